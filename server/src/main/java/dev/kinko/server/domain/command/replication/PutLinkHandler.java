package dev.kinko.server.domain.command.replication;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.LinkRecord;
import dev.kinko.proto.raft.v1.PutLinkCommand;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;

/** Adds a region link, or changes the addresses of one. */
public final class PutLinkHandler implements CommandHandler<PutLinkCommand, LinkRecord> {
    private final String region;

    public PutLinkHandler(String region) {
        this.region = region;
    }

    @Override
    public LinkRecord check(PutLinkCommand cmd, long now, StateReader state) {
        if (cmd.getRegion().equals(region)) {
            throw new KinkoException(Reason.INVALID_LINK, "a region cannot link to itself");
        }
        // A new link starts with a full copy: the region may already hold this region's changes under
        // sequences it would skip as seen (a link removed and added again, or this region restored).
        return state.link(cmd.getRegion())
                .orElse(LinkRecord.newBuilder().setRegion(cmd.getRegion()).setReseedRequired(true).build());
    }

    @Override
    public CommandResult apply(PutLinkCommand cmd, LinkRecord link, long now, StateWriter state) {
        state.putLink(link.toBuilder().clearAddresses().addAllAddresses(cmd.getAddressesList()).build());
        return CommandResult.getDefaultInstance();
    }
}
