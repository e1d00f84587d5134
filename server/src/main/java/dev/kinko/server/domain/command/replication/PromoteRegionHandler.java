package dev.kinko.server.domain.command.replication;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.PromoteRegionCommand;
import dev.kinko.proto.raft.v1.PromotionRecord;
import dev.kinko.proto.raft.v1.SourceRecord;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.SourceRules;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;
import dev.kinko.server.domain.command.access.AccessRules;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Disaster recovery: every source is fenced at once, then every replica secret becomes
 * standalone here, in chunks of one Raft entry each; the promotion record in the state says a
 * chunk is left, so a new leader finishes it (ContinuePromotion). The replicated policies and
 * tokens become this region's own.
 */
public final class PromoteRegionHandler implements CommandHandler<PromoteRegionCommand, PromoteRegionHandler.Checked> {
    /** The sources to fence, as they are; none when a promotion already runs ({@code running}). */
    public record Checked(List<SourceRecord> toFence, Optional<PromotionRecord> running) {}

    private final String region;

    public PromoteRegionHandler(String region) {
        this.region = region;
    }

    @Override
    public Checked check(PromoteRegionCommand cmd, long now, StateReader state) {
        Optional<PromotionRecord> running = state.promotion();
        if (running.isPresent()) {
            return new Checked(List.of(), running); // asked again while one runs: go on with it
        }
        Set<String> fenced = new TreeSet<>();
        state.sources().stream().filter(s -> !s.getPromoted()).forEach(s -> fenced.add(s.getRegion()));
        state.primaryRegions().stream().filter(r -> !r.equals(region)).forEach(fenced::add);
        if (fenced.isEmpty()) {
            throw new KinkoException(Reason.NOT_A_REPLICA_REGION,
                    "region " + region + " is not a replica region: no secret here is replicated from another region");
        }
        return new Checked(fenced.stream().map(r -> SourceRules.sourceOf(state, r)).toList(), running);
    }

    @Override
    public CommandResult apply(PromoteRegionCommand cmd, Checked checked, long now, StateWriter state) {
        PromotionRecord promotion = checked.running().orElse(null);
        if (promotion == null) {
            for (SourceRecord s : checked.toFence()) {
                state.putSource(s.toBuilder().setEpoch(s.getEpoch() + 1).setPromoted(true).setPromotedMillis(now)
                        .clearDetachedIds().build());
            }
            List<String> sources = checked.toFence().stream().map(SourceRecord::getRegion).toList();
            promotion = PromotionRecord.newBuilder().setStartedMillis(now).addAllSources(sources)
                    .setSource(sources.get(0)).build();
            state.putPromotion(promotion);
        }
        CommandResult result = ContinuePromotionHandler.nextChunk(region, promotion, now, state);
        AccessRules.adoptAll(state);
        return result;
    }
}
