package dev.kinko.server.domain.command.secret;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.ForceDeleteCommand;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;
import dev.kinko.server.domain.command.Secrets;

/** DeleteSecret without recovery: gone at once, also when its deletion was scheduled. */
public final class ForceDeleteHandler implements CommandHandler<ForceDeleteCommand, SecretRecord> {
    private final String region;

    public ForceDeleteHandler(String region) {
        this.region = region;
    }

    @Override
    public SecretRecord check(ForceDeleteCommand cmd, long now, StateReader state) {
        return Secrets.withoutReplicas(Secrets.primaryHere(region, state, cmd.getSecretId()));
    }

    @Override
    public CommandResult apply(ForceDeleteCommand cmd, SecretRecord current, long now, StateWriter state) {
        state.removeSecret(current);
        return Secrets.result(current).setDeletionDateMillis(now).build();
    }
}
