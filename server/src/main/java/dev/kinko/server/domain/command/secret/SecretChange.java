package dev.kinko.server.domain.command.secret;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.Journal;
import dev.kinko.server.domain.command.Secrets;
import java.util.Collection;
import java.util.function.Consumer;

/** A checked change of a writable secret: what it is now and what it becomes. */
public record SecretChange(SecretRecord current, SecretRecord updated) {
    /** Checks that the secret is writable here and makes the change (which may refuse) on a copy. */
    static SecretChange of(String region, StateReader state, String secretId, long now,
                           Consumer<SecretRecord.Builder> change) {
        SecretRecord current = Secrets.writable(region, state, secretId);
        SecretRecord.Builder record = current.toBuilder().setLastChangedMillis(now);
        change.accept(record);
        return new SecretChange(current, record.build());
    }

    /** Stores the change, journaled for the secret's replica regions with the versions whose values travel. */
    CommandResult.Builder store(Collection<String> versionIds, long now, StateWriter state) {
        state.putSecret(current, Journal.changed(state, updated, versionIds, now));
        return Secrets.result(updated);
    }
}
