package dev.kinko.server.domain.command.secret;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.RestoreSecretCommand;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;
import dev.kinko.server.domain.command.Secrets;

/** Cancels a scheduled deletion; a secret not scheduled for deletion is left as it is. */
public final class RestoreSecretHandler implements CommandHandler<RestoreSecretCommand, SecretRecord> {
    private final String region;

    public RestoreSecretHandler(String region) {
        this.region = region;
    }

    @Override
    public SecretRecord check(RestoreSecretCommand cmd, long now, StateReader state) {
        return Secrets.primaryHere(region, state, cmd.getSecretId());
    }

    @Override
    public CommandResult apply(RestoreSecretCommand cmd, SecretRecord current, long now, StateWriter state) {
        if (current.getDeletionDateMillis() == 0) {
            return Secrets.result(current).build();
        }
        SecretRecord record = current.toBuilder().setDeletionDateMillis(0).setLastChangedMillis(now).build();
        state.putSecret(current, record);
        return Secrets.result(record).build();
    }
}
