package dev.kinko.server.domain.command.secret;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.PurgeSecretCommand;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;
import java.util.Optional;

/**
 * The leader proposes a purge when it sees a recovery window ended; check finds it again
 * against the command's time (a restore may have come first), so the secret goes only if due.
 */
public final class PurgeSecretHandler implements CommandHandler<PurgeSecretCommand, Optional<SecretRecord>> {
    @Override
    public Optional<SecretRecord> check(PurgeSecretCommand cmd, long now, StateReader state) {
        return state.secretById(cmd.getSecretId())
                .filter(s -> s.getDeletionDateMillis() != 0 && s.getDeletionDateMillis() <= now);
    }

    @Override
    public CommandResult apply(PurgeSecretCommand cmd, Optional<SecretRecord> due, long now, StateWriter state) {
        due.ifPresent(state::removeSecret);
        return CommandResult.newBuilder().setSecretId(cmd.getSecretId()).build();
    }
}
