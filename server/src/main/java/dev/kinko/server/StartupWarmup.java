package dev.kinko.server;

import java.util.List;

/**
 * Work a node's start needs later, begun at once on a second thread so it overlaps the main
 * thread's TLS loading and Raft start: RocksDB's native library (extracted from the jar to a
 * temporary file and loaded: about 0.7 s on a loaded 2-core machine), Conscrypt's native AES-GCM
 * and the classes of the client API (gRPC's Netty and OpenSSL, BouncyCastle, which gRPC's TLS
 * context loads, the API's protobuf descriptors, metrics). Without it the main thread loads all of
 * these one after the other. Nothing here has an effect beyond loading: a class that is missing or fails is skipped,
 * and the main thread then loads it as before (class initialisation is safe across threads).
 */
public final class StartupWarmup {
    /** Its duration once done (it logs nothing itself: logging may not be configured yet). */
    private static final java.util.concurrent.CompletableFuture<Long> DONE = new java.util.concurrent.CompletableFuture<>();
    private static final java.util.concurrent.atomic.AtomicBoolean BEGUN = new java.util.concurrent.atomic.AtomicBoolean();

    /** Initialised in this order: those the main thread reaches first come first. */
    private static final List<String> CLASSES = List.of(
            "org.rocksdb.RocksDB",
            "dev.kinko.server.crypto.Aead", // loads Conscrypt's native library
            "org.apache.ratis.proto.RaftProtos",
            "org.apache.ratis.server.impl.RaftServerProxy",
            "org.apache.ratis.server.impl.RaftServerImpl",
            "org.apache.ratis.grpc.server.GrpcServicesImpl",
            "io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder",
            "io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl",
            "io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts",
            "io.grpc.netty.shaded.io.netty.channel.epoll.Epoll",
            "dev.kinko.proto.v1.SecretsServiceGrpc",
            "dev.kinko.proto.v1.AdminServiceGrpc",
            "dev.kinko.proto.v1.AccessServiceGrpc",
            "io.micrometer.prometheusmetrics.PrometheusMeterRegistry");

    private StartupWarmup() {
    }

    /** Starts the warm-up (once per JVM): call it first thing in a node process. */
    public static void begin() {
        if (!BEGUN.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(StartupWarmup::run, "kinko-startup-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.NORM_PRIORITY - 1);
        t.start();
    }

    /** Whether this JVM started the warm-up (kinko server does; tests starting nodes in-process do not). */
    static boolean begun() {
        return BEGUN.get();
    }

    /** How long the warm-up took, once it is done and if it ran in this JVM. */
    static java.util.Optional<Long> tookMillis() {
        return java.util.Optional.ofNullable(DONE.getNow(null));
    }

    private static void run() {
        long t0 = System.nanoTime();
        ClassLoader loader = StartupWarmup.class.getClassLoader();
        for (String name : CLASSES) {
            try {
                Class.forName(name, true, loader);
            } catch (Throwable e) { // LinkageError included: the main thread will meet it and report it
                // skipped: the main thread loads it as before
            }
        }
        try {
            org.rocksdb.RocksDB.loadLibrary();
            io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl.isAvailable();
            dev.kinko.proto.v1.SecretsServiceGrpc.getServiceDescriptor();
            dev.kinko.proto.v1.AdminServiceGrpc.getServiceDescriptor();
            dev.kinko.proto.v1.AccessServiceGrpc.getServiceDescriptor();
            // what gRPC's TLS context builds when BouncyCastle is present
            Class.forName("org.bouncycastle.jce.provider.BouncyCastleProvider", true, loader)
                    .getDeclaredConstructor().newInstance();
        } catch (Throwable e) {
            // stopped early: the main thread does the rest as before
        }
        DONE.complete((System.nanoTime() - t0) / 1_000_000);
    }
}
