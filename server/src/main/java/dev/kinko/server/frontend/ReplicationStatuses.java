package dev.kinko.server.frontend;

import dev.kinko.proto.raft.v1.LinkRecord;
import dev.kinko.proto.raft.v1.ReplicaRecord;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.v1.ReplicationState;
import dev.kinko.proto.v1.ReplicationStatus;
import dev.kinko.server.domain.StateReader;
import java.util.ArrayList;
import java.util.List;

/**
 * A secret's status in each replica region, derived when read: a replica is
 * in sync once its link's watermark has passed the secret's newest journal
 * record for that region.
 */
final class ReplicationStatuses {
    private ReplicationStatuses() {}

    static List<ReplicationStatus> of(SecretRecord secret, StateReader state, long now) {
        List<ReplicationStatus> out = new ArrayList<>();
        for (ReplicaRecord r : secret.getReplicasList()) {
            LinkRecord link = state.link(r.getRegion()).orElse(LinkRecord.getDefaultInstance());
            ReplicationStatus.Builder s = ReplicationStatus.newBuilder().setRegion(r.getRegion());
            long lag = Math.max(0, r.getLastSeq() - link.getWatermark());
            if (!r.getFailureMessage().isEmpty()) {
                s.setStatus(ReplicationState.REPLICATION_STATE_FAILED).setStatusMessage(r.getFailureMessage());
            } else if (link.getFenced()) {
                s.setStatus(ReplicationState.REPLICATION_STATE_FAILED).setStatusMessage("region " + r.getRegion()
                        + " was promoted at " + java.time.Instant.ofEpochMilli(link.getPromotedMillis())
                        + "; it no longer accepts changes from here");
            } else if (lag == 0) {
                s.setStatus(ReplicationState.REPLICATION_STATE_IN_SYNC).setStatusMessage("Replication succeeded");
            } else {
                s.setStatus(ReplicationState.REPLICATION_STATE_IN_PROGRESS)
                        .setStatusMessage("Replication in progress")
                        .setLagSequences(lag)
                        .setLagSeconds(Math.max(0, now - r.getLastChangeMillis()) / 1000.0);
            }
            if (lag == 0 && link.getAckedMillis() > 0) {
                s.setLastReplicatedDate(Records.timestamp(link.getAckedMillis()));
            }
            out.add(s.build());
        }
        return out;
    }
}
