package dev.kinko.server.domain.command.replication;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.SourceRecord;
import dev.kinko.proto.raft.v1.StopReplicationCommand;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.SourceRules;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;
import dev.kinko.server.domain.command.Secrets;

/**
 * In a replica region: the replica becomes standalone here. The source remembers it as
 * detached, so the primary hears of it with every batch until it journals the detach.
 */
public final class StopReplicationHandler
        implements CommandHandler<StopReplicationCommand, StopReplicationHandler.Checked> {
    public record Checked(SecretRecord secret, SourceRecord source) {}

    private final String region;

    public StopReplicationHandler(String region) {
        this.region = region;
    }

    @Override
    public Checked check(StopReplicationCommand cmd, long now, StateReader state) {
        SecretRecord current = Secrets.existing(state, cmd.getSecretId());
        if (current.getPrimaryRegion().equals(region)) {
            throw new KinkoException(Reason.NOT_A_REPLICA,
                    "secret " + current.getName() + " is not a replica here; its primary region is " + region);
        }
        return new Checked(current, SourceRules.sourceOf(state, current.getPrimaryRegion()));
    }

    @Override
    public CommandResult apply(StopReplicationCommand cmd, Checked checked, long now, StateWriter state) {
        SecretRecord current = checked.secret();
        Standalone.make(region, current, now, state);
        if (!checked.source().getDetachedIdsList().contains(current.getId())) {
            state.putSource(checked.source().toBuilder().addDetachedIds(current.getId()).build());
        }
        return Secrets.result(current).build();
    }
}
