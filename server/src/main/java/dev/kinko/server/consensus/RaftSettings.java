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
        int purgeGap) {

    public static final Duration DEFAULT_ELECTION_TIMEOUT_MIN = Duration.ofMillis(1000);
    public static final Duration DEFAULT_ELECTION_TIMEOUT_MAX = Duration.ofMillis(2000);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    public static final long DEFAULT_SNAPSHOT_THRESHOLD = 10_000;
    public static final long DEFAULT_SEGMENT_SIZE_BYTES = 8L << 20;
    public static final int DEFAULT_PURGE_GAP = 1_024;

    public static RaftSettings defaults() {
        return new RaftSettings(DEFAULT_ELECTION_TIMEOUT_MIN, DEFAULT_ELECTION_TIMEOUT_MAX, DEFAULT_REQUEST_TIMEOUT,
                DEFAULT_SNAPSHOT_THRESHOLD, DEFAULT_SEGMENT_SIZE_BYTES, DEFAULT_PURGE_GAP);
    }

    public RaftSettings withSnapshots(long threshold, long segmentSizeBytes, int purgeGap) {
        return new RaftSettings(electionTimeoutMin, electionTimeoutMax, requestTimeout, threshold, segmentSizeBytes, purgeGap);
    }
}
