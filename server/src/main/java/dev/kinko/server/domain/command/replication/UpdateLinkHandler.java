package dev.kinko.server.domain.command.replication;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.LinkRecord;
import dev.kinko.proto.raft.v1.UpdateLinkCommand;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;

/** The shipper's progress on a link (watermark, acks, re-seed, access shipped) and its fencing by a promotion. */
public final class UpdateLinkHandler implements CommandHandler<UpdateLinkCommand, LinkRecord> {
    @Override
    public LinkRecord check(UpdateLinkCommand cmd, long now, StateReader state) {
        return Links.existing(state, cmd.getRegion());
    }

    @Override
    public CommandResult apply(UpdateLinkCommand cmd, LinkRecord link, long now, StateWriter state) {
        LinkRecord.Builder b = link.toBuilder();
        if (cmd.getWatermark() > link.getWatermark() || cmd.getRewound()) {
            b.setWatermark(cmd.getWatermark());
        }
        if (cmd.getAckedMillis() > link.getAckedMillis()) {
            b.setAckedMillis(cmd.getAckedMillis());
        }
        if (cmd.getReseeded()) {
            b.setReseedRequired(false);
        }
        if (cmd.getAccessShipped() > link.getAccessShipped()) {
            b.setAccessShipped(cmd.getAccessShipped());
        }
        if (cmd.getFenced()) {
            b.setFenced(true).setEpoch(Math.max(link.getEpoch(), cmd.getPromotedEpoch()))
                    .setPromotedMillis(cmd.getPromotedMillis()).setReplicaAppliedSeq(cmd.getReplicaAppliedSeq());
        }
        state.putLink(b.build());
        return CommandResult.getDefaultInstance();
    }
}
