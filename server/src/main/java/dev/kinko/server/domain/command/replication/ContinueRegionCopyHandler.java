package dev.kinko.server.domain.command.replication;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.ContinueRegionCopyCommand;
import dev.kinko.proto.raft.v1.LinkRecord;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;
import dev.kinko.server.domain.command.Replicas;
import java.util.List;
import java.util.Optional;

/** The next chunk of a ReplicateRegion (none when the link has no copy pending). */
public final class ContinueRegionCopyHandler
        implements CommandHandler<ContinueRegionCopyCommand, Optional<LinkRecord>> {
    private final String region;

    public ContinueRegionCopyHandler(String region) {
        this.region = region;
    }

    @Override
    public Optional<LinkRecord> check(ContinueRegionCopyCommand cmd, long now, StateReader state) {
        return Optional.of(Links.existing(state, cmd.getRegion())).filter(LinkRecord::getRegionCopyPending);
    }

    @Override
    public CommandResult apply(ContinueRegionCopyCommand cmd, Optional<LinkRecord> pending, long now,
                               StateWriter state) {
        return pending.map(link -> nextChunk(region, cmd.getRegion(), link, now, state))
                .orElse(CommandResult.getDefaultInstance());
    }

    /**
     * Adds the destination to the next {@link Limits#CHUNK_SECRETS} secrets of this region (a
     * secret scheduled for deletion stays behind); the link keeps where the copy is and how many
     * it added, so the count is right whichever leader proposed each chunk.
     */
    static CommandResult nextChunk(String region, String destination, LinkRecord link, long now, StateWriter state) {
        List<String> ids = state.secretsWithPrimary(region, link.getRegionCopyAfterId(), Limits.CHUNK_SECRETS);
        long count = 0;
        for (String id : ids) {
            Optional<SecretRecord> s = state.secretById(id);
            if (s.isPresent() && s.get().getDeletionDateMillis() == 0) {
                boolean force = link.getRegionCopyForce();
                List<String> added = Replicas.notYetAt(s.get(), List.of(destination), force);
                state.putSecret(s.get(), Replicas.add(s.get(), added, force, now, state));
                count++;
            }
        }
        boolean more = ids.size() == Limits.CHUNK_SECRETS;
        long total = link.getRegionCopyCount() + count;
        LinkRecord.Builder next = link.toBuilder().setRegionCopyPending(more)
                .setRegionCopyAfterId(more ? ids.get(ids.size() - 1) : "").setRegionCopyCount(total);
        if (!more) {
            next.setRegionCopyForce(false);
        }
        state.putLink(next.build());
        return CommandResult.newBuilder().setCount(total).setMore(more).build();
    }
}
