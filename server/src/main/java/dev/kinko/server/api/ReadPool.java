package dev.kinko.server.api;

import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import java.io.Closeable;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The threads that serve reads (RocksDB and unsealing) once the read index is reached, never
 * Ratis' apply thread. Their queue is bounded: with {@link #MAX_QUEUED_READS} reads waiting
 * for a thread the next read is refused at once ({@code RESOURCE_EXHAUSTED}, {@code OVERLOADED},
 * as the group committer refuses writes past its queue), which the client retries with backoff
 * on another node, instead of queueing without end until its deadline and the heap are gone.
 */
final class ReadPool implements Closeable {
    /** Threads that serve reads. */
    static final int READ_THREADS = 4;
    /** Reads waiting for a thread, at most; past this a read is refused (OVERLOADED) at once. */
    static final int MAX_QUEUED_READS = 1_000;

    private final String nodeId;
    private final int maxQueued;
    private final ThreadPoolExecutor pool;

    ReadPool(String nodeId) {
        this(nodeId, READ_THREADS, MAX_QUEUED_READS);
    }

    ReadPool(String nodeId, int threads, int maxQueued) {
        this.nodeId = nodeId;
        this.maxQueued = maxQueued;
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(maxQueued), r -> {
                    Thread t = new Thread(r, "kinko-reads-" + nodeId);
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
    }

    /**
     * Runs {@code read} on a reader thread once {@code ready} (the read barrier) completes. A
     * full queue fails the result; it is never thrown into whichever thread completed
     * {@code ready} (where a plain thenApplyAsync would lose it and leave the call unanswered).
     */
    <R> CompletableFuture<R> after(CompletableFuture<?> ready, Supplier<R> read) {
        CompletableFuture<R> result = new CompletableFuture<>();
        ready.whenComplete((v, error) -> {
            if (error != null) {
                result.completeExceptionally(error);
            } else {
                submit(read, result);
            }
        });
        return result;
    }

    private <R> void submit(Supplier<R> read, CompletableFuture<R> result) {
        try {
            pool.execute(() -> {
                try {
                    result.complete(read.get());
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(pool.isShutdown()
                    ? new KinkoException(Reason.NOT_READY, "node " + nodeId + " is shutting down; retry")
                    : new KinkoException(Reason.OVERLOADED, "node " + nodeId + " has " + maxQueued
                            + " reads waiting; retry later"));
        }
    }

    /** Reads waiting for a thread now. */
    int queued() {
        return pool.getQueue().size();
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
