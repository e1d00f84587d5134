package dev.kinko.server.domain.command.replication;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.ReplicateSecretCommand;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;
import dev.kinko.server.domain.command.Replicas;
import dev.kinko.server.domain.command.Secrets;
import java.util.List;

/** Adds replica regions to a secret of this region; each new one gets a full copy. */
public final class ReplicateSecretHandler
        implements CommandHandler<ReplicateSecretCommand, ReplicateSecretHandler.Checked> {
    public record Checked(SecretRecord current, List<String> regions) {}

    private final String region;

    public ReplicateSecretHandler(String region) {
        this.region = region;
    }

    @Override
    public Checked check(ReplicateSecretCommand cmd, long now, StateReader state) {
        SecretRecord current = Secrets.primaryHere(region, state, cmd.getSecretId());
        if (current.getDeletionDateMillis() != 0) {
            throw new KinkoException(Reason.SCHEDULED_FOR_DELETION,
                    "secret " + current.getName() + " is scheduled for deletion");
        }
        return new Checked(current, Replicas.toAdd(region, current, cmd.getRegionsList(), cmd.getForceOverwrite(), state));
    }

    @Override
    public CommandResult apply(ReplicateSecretCommand cmd, Checked checked, long now, StateWriter state) {
        SecretRecord record = Replicas.add(checked.current(), checked.regions(), cmd.getForceOverwrite(), now, state);
        state.putSecret(checked.current(), record);
        return Secrets.result(record).build();
    }
}
