package dev.kinko.server.testing;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for nodes that must name their addresses to their peers before they
 * start. They come from below Linux's ephemeral range (32768-60999), so the outgoing
 * connections of a busy test can never take a port between its choice and its bind, and
 * none is handed out twice in one JVM. They start above the ports of {@code kinko dev}'s
 * defaults (8101-11203), which the README quickstart test binds.
 */
public final class Ports {
    static final int LOWEST = 11_400;
    static final int HIGHEST = 32_000;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private Ports() {}

    /**
     * Keeps a fixed port (a fixture's recorded address) from being handed out by {@link #free} in
     * this JVM; returns whether it can be bound now.
     */
    public static boolean reserve(int port) {
        HANDED_OUT.add(port);
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException busy) {
            return false;
        }
    }

    /**
     * Surefire runs the tests in more than one JVM at once: a port one JVM handed out is locked in
     * this directory for that JVM's lifetime (the OS drops the lock when it exits), so another JVM
     * never picks it between the first one's probe and bind.
     */
    private static final Path LOCKS = Path.of(System.getProperty("java.io.tmpdir"), "kinko-test-ports");
    private static final List<FileLock> HELD = new CopyOnWriteArrayList<>();

    /** Locks the port for this JVM; false when another JVM holds it. */
    private static boolean lockForThisJvm(int port) {
        try {
            Files.createDirectories(LOCKS);
            FileChannel channel = FileChannel.open(LOCKS.resolve(Integer.toString(port)),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                return false;
            }
            HELD.add(lock);
            return true;
        } catch (IOException | java.nio.channels.OverlappingFileLockException e) {
            return false;
        }
    }

    public static int free() {
        for (int attempt = 0; attempt < 10_000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, HIGHEST);
            if (!HANDED_OUT.add(port) || !lockForThisJvm(port)) {
                continue;
            }
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress("127.0.0.1", port));
                return port;
            } catch (IOException busy) {
                // taken by something else: try another
            }
        }
        throw new IllegalStateException("no free port between " + LOWEST + " and " + HIGHEST);
    }
}
