package dev.kinko.server.domain.command.replication;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.ReplicaOutcome;
import dev.kinko.proto.raft.v1.ReplicaOutcomesCommand;
import dev.kinko.proto.raft.v1.ReplicaRecord;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;
import dev.kinko.server.domain.command.Replicas;
import java.util.List;
import java.util.Optional;

/**
 * In a primary region, what a replica region reported: refused secrets are marked Failed;
 * stopped ones are dropped from the replicas. Nothing is refused; apply reads each secret
 * as the outcomes before it left it.
 */
public final class ReplicaOutcomesHandler implements CommandHandler.NeverRefused<ReplicaOutcomesCommand> {
    @Override
    public CommandResult apply(ReplicaOutcomesCommand cmd, Void checked, long now, StateWriter state) {
        for (ReplicaOutcome o : cmd.getOutcomesList()) {
            Optional<SecretRecord> found = state.secretById(o.getSecretId());
            if (found.isEmpty()) {
                continue;
            }
            SecretRecord s = found.get();
            Optional<ReplicaRecord> replica = s.getReplicasList().stream()
                    .filter(r -> r.getRegion().equals(cmd.getRegion())).findFirst();
            if (replica.isEmpty()) {
                continue;
            }
            if (o.getDetached()) {
                state.putSecret(s, Replicas.detach(state, s, List.of(cmd.getRegion()), now));
            } else if (!o.getFailureMessage().isEmpty() && replica.get().getLastSeq() <= o.getSeq()) {
                SecretRecord.Builder b = s.toBuilder();
                for (int i = 0; i < b.getReplicasCount(); i++) {
                    if (b.getReplicas(i).getRegion().equals(cmd.getRegion())) {
                        b.setReplicas(i, b.getReplicas(i).toBuilder().setFailureMessage(o.getFailureMessage())
                                .setFailedSeq(o.getSeq()));
                    }
                }
                state.putSecret(s, b.build());
            }
        }
        return CommandResult.getDefaultInstance();
    }
}
