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
    private volatile java.util.function.LongConsumer observer = ms -> { };

    void record(long lagMillis) {
        long ms = Math.max(0, Math.min(lagMillis, MAX_TRACKED_MILLIS));
        recorder.recordValue(ms);
        observer.accept(ms);
    }

    /** Also hands every recorded lag to {@code observer} (the metrics). */
    public void observe(java.util.function.LongConsumer observer) {
        this.observer = observer;
    }

    /** The lags recorded since the previous call. */
    public Histogram interval() {
        return recorder.getIntervalHistogram();
    }
}
