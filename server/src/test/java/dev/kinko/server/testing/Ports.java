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

    public static int free() {
        for (int attempt = 0; attempt < 10_000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, HIGHEST);
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
