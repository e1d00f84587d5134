package dev.kinko.server.consensus;

import java.io.Closeable;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a snapshot when the Raft log has grown by {@code logBytes} since the last one (issue 14).
 * Ratis triggers snapshots by entry count alone, so a region whose entries are large (a replica
 * applying shipped batches of ~84 secrets per entry) would otherwise keep its whole log. Purging
 * stays Ratis's: up to the snapshot.
 */
final class SnapshotTrigger implements Closeable {
    /** How often the applied log bytes are compared with the trigger. */
    static final Duration CHECK_EVERY = Duration.ofSeconds(1);
    /** After a failed snapshot (a full disk, say), the next attempt waits this long. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotTrigger.class);

    interface Snapshotter {
        long takeSnapshot() throws Exception;
    }

    private final long logBytes;
    private final LongSupplier bytesSinceSnapshot;
    private final Snapshotter snapshotter;
    private final AtomicLong taken = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final ScheduledExecutorService timer;
    private long notBefore = System.nanoTime();

    /**
     * @param logBytes           the trigger: bytes of Raft entries applied since the last snapshot
     * @param bytesSinceSnapshot those bytes now (the state machine counts them)
     * @param snapshotter        asks this node's Raft server for a snapshot and waits for it
     */
    SnapshotTrigger(String nodeId, long logBytes, LongSupplier bytesSinceSnapshot, Snapshotter snapshotter) {
        this.logBytes = logBytes;
        this.bytesSinceSnapshot = bytesSinceSnapshot;
        this.snapshotter = snapshotter;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kinko-snapshot-trigger-" + nodeId);
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::check, CHECK_EVERY.toMillis(), CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Snapshots this trigger asked for, and those that failed. */
    long taken() {
        return taken.get();
    }

    long failed() {
        return failed.get();
    }

    void check() {
        long bytes = bytesSinceSnapshot.getAsLong();
        if (bytes < logBytes || System.nanoTime() - notBefore < 0) {
            return;
        }
        try {
            long index = snapshotter.takeSnapshot();
            taken.incrementAndGet();
            LOG.info("snapshot at index {}: {} bytes of Raft log since the last one (trigger {} bytes)", index, bytes, logBytes);
        } catch (Exception e) {
            failed.incrementAndGet();
            notBefore = System.nanoTime() + RETRY_AFTER.toNanos();
            LOG.warn("a snapshot for {} bytes of Raft log failed; next attempt in {} s: {}", bytes,
                    RETRY_AFTER.toSeconds(), e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
