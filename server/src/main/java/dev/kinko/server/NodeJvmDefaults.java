package dev.kinko.server;

import java.util.List;

/**
 * JVM-wide settings a node process makes before anything reads them, each unless the operator set
 * it (-D). Both are read once, when the class that uses them loads, so {@link #apply} comes first.
 * <ul>
 * <li><b>One pooled arena per Netty copy</b> instead of two per core. A node carries two Netty copies
 * (gRPC's, for the API, forwarding and shipping, and Ratis'), and each arena holds at least one
 * 4 MiB chunk once used: by default 4 arenas x 4 MiB x 2 copies, 32 MiB of a node's RSS. Event loops
 * share the arena; each keeps a cache of small buffers in front of it (ops/bench/README.md, step 8).
 * <li><b>A common pool of at least two threads.</b> On a machine of two cores the JVM sizes the
 * common pool to one, and then {@code CompletableFuture}'s async stages without an executor start a
 * new thread for every stage. Ratis has such stages on its append path: a follower started a thread
 * for every append it received, heartbeats too (ops/bench/README.md, step 9).
 * </ul>
 */
public final class NodeJvmDefaults {
    static final List<String> NETTY_ARENA_PROPERTIES = List.of(
            "io.grpc.netty.shaded.io.netty.allocator.numDirectArenas",
            "io.grpc.netty.shaded.io.netty.allocator.numHeapArenas",
            "org.apache.ratis.thirdparty.io.netty.allocator.numDirectArenas",
            "org.apache.ratis.thirdparty.io.netty.allocator.numHeapArenas");
    static final String NETTY_ARENAS = "1";
    static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";
    /** The common pool's threads at least: CompletableFuture uses the pool only from two. */
    static final int MIN_COMMON_POOL_THREADS = 2;

    private NodeJvmDefaults() {
    }

    /** Sets what the operator did not: call it first thing in a node process. */
    public static void apply() {
        NETTY_ARENA_PROPERTIES.forEach(p -> setUnlessSet(p, NETTY_ARENAS));
        int cores = Runtime.getRuntime().availableProcessors();
        // the JVM's own default (cores - 1) wherever that is two or more
        setUnlessSet(COMMON_POOL_PARALLELISM, Integer.toString(Math.max(MIN_COMMON_POOL_THREADS, cores - 1)));
    }

    private static void setUnlessSet(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }
}
