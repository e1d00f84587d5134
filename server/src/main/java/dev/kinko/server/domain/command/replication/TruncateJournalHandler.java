package dev.kinko.server.domain.command.replication;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.TruncateJournalCommand;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;

/** Drops journal records every link has shipped (never past the head); check finds the sequence to cut at. */
public final class TruncateJournalHandler implements CommandHandler<TruncateJournalCommand, Long> {
    @Override
    public Long check(TruncateJournalCommand cmd, long now, StateReader state) {
        return Math.min(cmd.getUpTo(), state.journalHead());
    }

    @Override
    public CommandResult apply(TruncateJournalCommand cmd, Long upTo, long now, StateWriter state) {
        state.truncateJournal(upTo);
        return CommandResult.getDefaultInstance();
    }
}
