package dev.kinko.server.testing;

import java.io.IOException;
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
 * defaults (8101-10203), which the README quickstart test binds.
 */
public final class Ports {
    static final int LOWEST = 10_400;
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
     * This JVM's part of the range: surefire runs the tests in {@code kinko.test.forks} JVMs at once
     * (fork numbers from 1), and two JVMs must never pick the same port between probe and bind.
     */
    private static final int[] SHARE = share(Integer.getInteger("kinko.test.fork", 1),
            Integer.getInteger("kinko.test.forks", 1));

    static int[] share(int fork, int forks) {
        int width = (HIGHEST - LOWEST) / Math.max(forks, 1);
        int from = LOWEST + width * Math.floorMod(fork - 1, Math.max(forks, 1));
        return new int[] {from, from + width};
    }

    public static int free() {
        for (int attempt = 0; attempt < 10_000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(SHARE[0], SHARE[1]);
            if (!HANDED_OUT.add(port)) {
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
