package dev.kinko.server.domain.command.replication;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.RemoveReplicaRegionsCommand;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;
import dev.kinko.server.domain.command.Replicas;
import dev.kinko.server.domain.command.Secrets;
import java.util.HashSet;
import java.util.Set;

/** Stops replicating a secret to some of its replica regions; their replicas become standalone there. */
public final class RemoveReplicaRegionsHandler implements CommandHandler<RemoveReplicaRegionsCommand, SecretRecord> {
    private final String region;

    public RemoveReplicaRegionsHandler(String region) {
        this.region = region;
    }

    @Override
    public SecretRecord check(RemoveReplicaRegionsCommand cmd, long now, StateReader state) {
        SecretRecord current = Secrets.primaryHere(region, state, cmd.getSecretId());
        Set<String> replicas = new HashSet<>();
        current.getReplicasList().forEach(r -> replicas.add(r.getRegion()));
        for (String r : cmd.getRegionsList()) {
            if (!replicas.contains(r)) {
                throw new KinkoException(Reason.NOT_A_REPLICA,
                        "region " + r + " is not a replica region of secret " + current.getName());
            }
        }
        return current;
    }

    @Override
    public CommandResult apply(RemoveReplicaRegionsCommand cmd, SecretRecord current, long now, StateWriter state) {
        SecretRecord updated = Replicas.detach(state, current, cmd.getRegionsList(), now);
        state.putSecret(current, updated);
        return Secrets.result(updated).build();
    }
}
