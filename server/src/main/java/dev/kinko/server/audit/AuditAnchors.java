package dev.kinko.server.audit;

import dev.kinko.proto.raft.v1.AuditHeadRecord;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records this node's audit chain head in the replicated state every few seconds: a log whose
 * tail was cut then ends before a head the region remembers, which the chain alone cannot show.
 */
public final class AuditAnchors {
    /** A head not recorded within this is given up and tried again on the next round. */
    static final Duration RECORD_TIMEOUT = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(AuditAnchors.class);

    private final AuditLog log;
    private final String nodeId;
    private final Function<AuditHeadRecord, CompletableFuture<Void>> record;
    private long recordedSeq = -1;
    private boolean inFlight;

    public AuditAnchors(AuditLog log, String nodeId, Function<AuditHeadRecord, CompletableFuture<Void>> record) {
        this.log = log;
        this.nodeId = nodeId;
        this.record = record;
    }

    /** Records the head when it moved since the last one recorded; never waits for the write. */
    public synchronized void record() {
        ChainHead head = log.head();
        if (inFlight || head.seq() == recordedSeq || head.seq() == 0) {
            return;
        }
        inFlight = true;
        CompletableFuture<Void> done;
        try {
            done = record.apply(AuditHeadRecord.newBuilder().setNodeId(nodeId).setFile(head.file()).setSeq(head.seq())
                    .setHash(head.hash()).build());
        } catch (RuntimeException e) {
            done = CompletableFuture.failedFuture(e);
        }
        done.orTimeout(RECORD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).whenComplete((v, e) -> finished(head.seq(), e));
    }

    private synchronized void finished(long seq, Throwable error) {
        inFlight = false;
        if (error == null) {
            recordedSeq = seq;
        } else {
            LOG.warn("could not record the audit chain head yet; will retry: {}", error.getMessage());
        }
    }
}
