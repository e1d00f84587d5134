package dev.kinko.server.replication;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Replication lag of one link as the primary sees it: from the moment a
 * change was journaled to the moment the replica region acknowledged it as
 * applied. Recorded by the shipper; read as interval histograms.
 */
public final class ReplicationLag {
    /** Lags above this (an hour) are recorded as this. */
    static final long MAX_TRACKED_MILLIS = 3_600_000;

    private final Recorder recorder = new Recorder(MAX_TRACKED_MILLIS, 3);

    void record(long lagMillis) {
        recorder.recordValue(Math.max(0, Math.min(lagMillis, MAX_TRACKED_MILLIS)));
    }

    /** The lags recorded since the previous call. */
    public Histogram interval() {
        return recorder.getIntervalHistogram();
    }
}
