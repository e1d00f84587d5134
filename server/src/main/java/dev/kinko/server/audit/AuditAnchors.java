package dev.kinko.server.audit;

import dev.kinko.proto.raft.v1.AuditHeadRecord;
import java.util.function.Function;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records this node's audit chain head in the replicated state every few seconds: a log whose
 * tail was cut then ends before a head the region remembers, which the chain alone cannot show.
 */
public final class AuditAnchors {
    private static final Logger LOG = LoggerFactory.getLogger(AuditAnchors.class);

    private final AuditLog log;
    private final String nodeId;
    private final Function<AuditHeadRecord, CompletableFuture<Void>> record;
    private long recordedSeq = -1;

    public AuditAnchors(AuditLog log, String nodeId, Function<AuditHeadRecord, CompletableFuture<Void>> record) {
        this.log = log;
        this.nodeId = nodeId;
        this.record = record;
    }

    /** Records the head when it moved since the last one recorded. */
    public void record() {
        ChainHead head = log.head();
        if (head.seq() == recordedSeq || head.seq() == 0) {
            return;
        }
        try {
            record.apply(AuditHeadRecord.newBuilder().setNodeId(nodeId).setFile(head.file()).setSeq(head.seq())
                    .setHash(head.hash()).build()).join();
            recordedSeq = head.seq();
        } catch (RuntimeException e) {
            LOG.warn("could not record the audit chain head yet; will retry: {}", e.getMessage());
        }
    }
}
