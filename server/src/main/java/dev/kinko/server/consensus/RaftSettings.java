package dev.kinko.server.consensus;

import java.time.Duration;

/**
 * The Raft tuning a node runs with. The defaults suit a loaded 2-core machine:
 * elections wait 1-2 s so a busy JIT or GC pause does not depose the leader.
 */
public record RaftSettings(
        Duration electionTimeoutMin,
        Duration electionTimeoutMax,
        Duration requestTimeout,
        long snapshotThreshold,
        long segmentSizeBytes,
        int purgeGap,
        long snapshotLogBytes) {

    public static final Duration DEFAULT_ELECTION_TIMEOUT_MIN = Duration.ofMillis(1000);
    public static final Duration DEFAULT_ELECTION_TIMEOUT_MAX = Duration.ofMillis(2000);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    public static final long DEFAULT_SNAPSHOT_THRESHOLD = 10_000;
    public static final long DEFAULT_SEGMENT_SIZE_BYTES = 8L << 20;
    /**
     * Ratis purges the log after a snapshot only when the snapshot is this many entries past the
     * last purge. Snapshots are rare (every {@link #DEFAULT_SNAPSHOT_THRESHOLD} entries or
     * {@link #DEFAULT_SNAPSHOT_LOG_BYTES}), so every snapshot may purge: with Ratis's 1,024 a region
     * of large entries (a replica: ~84 secrets each) skipped every other purge and kept twice the log.
     */
    public static final int DEFAULT_PURGE_GAP = 1;
    /**
     * A snapshot is also taken once this many bytes of Raft entries were applied since the last
     * one, so the log stays well under the database's size whatever the size of its entries.
     */
    public static final long DEFAULT_SNAPSHOT_LOG_BYTES = 64L << 20;
    /** The smallest byte trigger a config may set: a snapshot per few entries would cost more than the log it frees. */
    public static final long MIN_SNAPSHOT_LOG_BYTES = 64L << 10;

    public static RaftSettings defaults() {
        return new RaftSettings(DEFAULT_ELECTION_TIMEOUT_MIN, DEFAULT_ELECTION_TIMEOUT_MAX, DEFAULT_REQUEST_TIMEOUT,
                DEFAULT_SNAPSHOT_THRESHOLD, DEFAULT_SEGMENT_SIZE_BYTES, DEFAULT_PURGE_GAP, DEFAULT_SNAPSHOT_LOG_BYTES);
    }

    public RaftSettings withSnapshots(long threshold, long segmentSizeBytes, int purgeGap) {
        return new RaftSettings(electionTimeoutMin, electionTimeoutMax, requestTimeout, threshold, segmentSizeBytes, purgeGap,
                snapshotLogBytes);
    }
}
