package dev.kinko.server.domain.command.replication;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.LinkRecord;
import dev.kinko.proto.raft.v1.ReplicateRegionCommand;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;
import dev.kinko.server.domain.command.Replicas;

/**
 * Failback: every secret this region owns goes to the region too. A large region is copied in
 * chunks, one per Raft entry; the link keeps where the copy is, so a new leader goes on with
 * ContinueRegionCopy.
 */
public final class ReplicateRegionHandler implements CommandHandler<ReplicateRegionCommand, LinkRecord> {
    private final String region;

    public ReplicateRegionHandler(String region) {
        this.region = region;
    }

    @Override
    public LinkRecord check(ReplicateRegionCommand cmd, long now, StateReader state) {
        Replicas.checkDestination(region, cmd.getRegion(), state);
        return state.link(cmd.getRegion()).orElseThrow();
    }

    @Override
    public CommandResult apply(ReplicateRegionCommand cmd, LinkRecord current, long now, StateWriter state) {
        LinkRecord.Builder link = current.toBuilder()
                .setRegionCopyPending(true).setRegionCopyForce(cmd.getForceOverwrite()).setRegionCopyAfterId("")
                .setRegionCopyCount(0);
        if (cmd.getForceOverwrite()) {
            // a failback: the region's policies win over same-named ones there, as its secrets do
            link.setAccessForceOverwrite(true).setAccessShipped(0);
        }
        LinkRecord started = link.build();
        state.putLink(started);
        return ContinueRegionCopyHandler.nextChunk(region, cmd.getRegion(), started, now, state);
    }
}
