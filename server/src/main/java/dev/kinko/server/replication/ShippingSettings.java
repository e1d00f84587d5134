package dev.kinko.server.replication;

import java.time.Duration;

/** How shippers behave; the defaults suit two datacenters tens of milliseconds apart. */
public record ShippingSettings(int batchRecords, Duration heartbeat, Duration rpcDeadline, long maxJournalLag) {
    /** Journal records read per batch at most. */
    public static final int DEFAULT_BATCH_RECORDS = 256;
    /** Changes a batch may carry at most: a receiver refuses more ({@link IncomingBatchRules}). */
    public static final int MAX_BATCH_RECORDS = DEFAULT_BATCH_RECORDS;
    /**
     * Batches a shipper keeps sent and unanswered at most: the next one travels while the replica
     * region proposes the last through its Raft, which puts them back in order
     * ({@link IncomingBatchOrder}). More would only make smaller batches: each answer frees a place.
     */
    public static final int MAX_BATCHES_IN_FLIGHT = 4;
    /** An idle link still calls this often: the replica reports stopped secrets, the link shows connected. */
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(1);
    public static final Duration DEFAULT_RPC_DEADLINE = Duration.ofSeconds(10);
    /**
     * Journal records kept for a lagging replica region at most; past this the journal is
     * truncated anyway and the replica region is re-seeded from a full copy.
     */
    public static final long DEFAULT_MAX_JOURNAL_LAG = 100_000;

    public ShippingSettings {
        if (batchRecords < 1 || batchRecords > MAX_BATCH_RECORDS) {
            throw new IllegalArgumentException("batchRecords must be 1-" + MAX_BATCH_RECORDS + ", got " + batchRecords);
        }
    }

    public static ShippingSettings defaults() {
        return new ShippingSettings(DEFAULT_BATCH_RECORDS, DEFAULT_HEARTBEAT, DEFAULT_RPC_DEADLINE, DEFAULT_MAX_JOURNAL_LAG);
    }

    public ShippingSettings withMaxJournalLag(long maxJournalLag) {
        return new ShippingSettings(batchRecords, heartbeat, rpcDeadline, maxJournalLag);
    }
}
