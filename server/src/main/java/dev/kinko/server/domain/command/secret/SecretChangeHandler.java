package dev.kinko.server.domain.command.secret;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;
import java.util.List;

/** A command that changes a writable secret's record (no value): made on a copy in check, stored in apply. */
abstract class SecretChangeHandler<C> implements CommandHandler<C, SecretChange> {
    final String region;

    SecretChangeHandler(String region) {
        this.region = region;
    }

    @Override
    public final CommandResult apply(C cmd, SecretChange change, long now, StateWriter state) {
        return change.store(List.of(), now, state).build();
    }
}
