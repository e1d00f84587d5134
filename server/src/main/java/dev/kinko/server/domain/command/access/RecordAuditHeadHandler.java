package dev.kinko.server.domain.command.access;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.RecordAuditHeadCommand;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;

/** A node's audit chain head, recorded in the replicated state so a cut tail of its audit log is detectable. */
public final class RecordAuditHeadHandler implements CommandHandler.NeverRefused<RecordAuditHeadCommand> {
    @Override
    public CommandResult apply(RecordAuditHeadCommand cmd, Void checked, long now, StateWriter state) {
        state.putAuditHead(cmd.getHead());
        return CommandResult.getDefaultInstance();
    }
}
