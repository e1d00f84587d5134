package dev.kinko.server.domain.command.secret;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.ScheduleDeletionCommand;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;
import dev.kinko.server.domain.command.Secrets;

/** DeleteSecret with a recovery window: the secret stays (read-only) until the window ends and it is purged. */
public final class ScheduleDeletionHandler implements CommandHandler<ScheduleDeletionCommand, SecretRecord> {
    private static final long DAY_MILLIS = 86_400_000L;

    private final String region;

    public ScheduleDeletionHandler(String region) {
        this.region = region;
    }

    @Override
    public SecretRecord check(ScheduleDeletionCommand cmd, long now, StateReader state) {
        return Secrets.withoutReplicas(Secrets.writable(region, state, cmd.getSecretId()));
    }

    @Override
    public CommandResult apply(ScheduleDeletionCommand cmd, SecretRecord current, long now, StateWriter state) {
        long deletionDate = now + cmd.getRecoveryWindowDays() * DAY_MILLIS;
        SecretRecord record = current.toBuilder().setDeletionDateMillis(deletionDate).setLastChangedMillis(now).build();
        state.putSecret(current, record);
        return Secrets.result(record).setDeletionDateMillis(deletionDate).build();
    }
}
