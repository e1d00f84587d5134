package dev.kinko.server.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay in front of one node's client port that can be paused: while paused it holds every
 * byte in both directions and keeps the connections open, as a SIGSTOPped process does (the kernel
 * still accepts connections; nothing answers). Resuming delivers what was held.
 */
public final class PausableProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int target;
    private final Object lock = new Object();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean paused;
    private final java.util.concurrent.atomic.AtomicLong held = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean closed;

    public PausableProxy(int port, int target) {
        this.target = target;
        try {
            listener = new ServerSocket();
            listener.setReuseAddress(true);
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        daemon("proxy-accept-" + port, this::accept);
    }

    public void pause() {
        held.set(0);
        paused = true;
    }

    /** Bytes that arrived since {@link #pause} and are held. */
    public long heldBytes() {
        return held.get();
    }

    public void resume() {
        synchronized (lock) {
            paused = false;
            lock.notifyAll();
        }
    }

    /**
     * Closes every relayed connection, as a network that drops them does: calls in flight fail at
     * once, whatever of them had already reached the node stays delivered. New connections are relayed.
     */
    public void dropConnections() {
        List<Socket> open = List.copyOf(sockets);
        sockets.removeAll(open);
        open.forEach(PausableProxy::closeQuietly);
    }

    private void accept() {
        while (!closed) {
            try {
                Socket in = listener.accept();
                Socket out = new Socket(InetAddress.getLoopbackAddress(), target);
                in.setTcpNoDelay(true);
                out.setTcpNoDelay(true);
                sockets.add(in);
                sockets.add(out);
                daemon("proxy-up-" + target, () -> pump(in, out));
                daemon("proxy-down-" + target, () -> pump(out, in));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream input = from.getInputStream(); OutputStream output = to.getOutputStream()) {
            for (int n; (n = input.read(buffer)) >= 0; ) {
                synchronized (lock) {
                    if (paused) {
                        held.addAndGet(n);
                    }
                    while (paused && !closed) {
                        lock.wait();
                    }
                }
                output.write(buffer, 0, n);
                output.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the other side closed: close both below
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void daemon(String name, Runnable task) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        resume();
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing
        }
        sockets.forEach(PausableProxy::closeQuietly);
    }
}
