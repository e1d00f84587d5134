package dev.kinko.server.domain.command.replication;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.DeleteLinkCommand;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;

/** Removes a region link that no secret replicates over any more. */
public final class DeleteLinkHandler implements CommandHandler<DeleteLinkCommand, Void> {
    @Override
    public Void check(DeleteLinkCommand cmd, long now, StateReader state) {
        Links.existing(state, cmd.getRegion());
        for (String id : state.secretsReplicatedTo(cmd.getRegion(), "", 1)) {
            String name = state.header(id).map(SecretRecord::getName).orElse(id);
            throw new KinkoException(Reason.LINK_IN_USE, "secret " + name + " is replicated to region "
                    + cmd.getRegion() + "; remove the region from its replication first");
        }
        return null;
    }

    @Override
    public CommandResult apply(DeleteLinkCommand cmd, Void checked, long now, StateWriter state) {
        state.removeLink(cmd.getRegion());
        return CommandResult.getDefaultInstance();
    }
}
