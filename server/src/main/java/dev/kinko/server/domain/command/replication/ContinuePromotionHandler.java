package dev.kinko.server.domain.command.replication;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.ContinuePromotionCommand;
import dev.kinko.proto.raft.v1.PromotionRecord;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;
import java.util.List;
import java.util.Optional;

/** The next chunk of a promotion (none when no promotion runs): at most {@link Limits#CHUNK_SECRETS} replicas. */
public final class ContinuePromotionHandler
        implements CommandHandler<ContinuePromotionCommand, Optional<PromotionRecord>> {
    private final String region;

    public ContinuePromotionHandler(String region) {
        this.region = region;
    }

    @Override
    public Optional<PromotionRecord> check(ContinuePromotionCommand cmd, long now, StateReader state) {
        return state.promotion();
    }

    @Override
    public CommandResult apply(ContinuePromotionCommand cmd, Optional<PromotionRecord> promotion, long now,
                               StateWriter state) {
        return promotion.map(p -> nextChunk(region, p, now, state)).orElse(CommandResult.getDefaultInstance());
    }

    /**
     * Makes the next replica secrets standalone, walking each fenced source's by-primary index
     * from the record's cursor; the record keeps the count and the cursor, or goes when none is left.
     */
    static CommandResult nextChunk(String region, PromotionRecord promotion, long now, StateWriter state) {
        List<String> sources = promotion.getSourcesList();
        int at = Math.max(0, sources.indexOf(promotion.getSource()));
        String after = promotion.getAfterId();
        int walked = 0;
        int done = 0;
        while (at < sources.size() && walked < Limits.CHUNK_SECRETS) {
            List<String> ids = state.secretsWithPrimary(sources.get(at), after, Limits.CHUNK_SECRETS - walked);
            for (String id : ids) {
                walked++; // an index entry without its secret (never expected) must not stop the node
                Optional<SecretRecord> s = state.secretById(id);
                if (s.isPresent()) {
                    Standalone.make(region, s.get(), now, state);
                    done++;
                }
                after = id;
            }
            if (walked < Limits.CHUNK_SECRETS) {
                at++; // this source has no replica left after the cursor
                after = "";
            }
        }
        long promoted = promotion.getPromoted() + done;
        boolean more = at < sources.size();
        if (more) {
            state.putPromotion(promotion.toBuilder().setPromoted(promoted).setSource(sources.get(at))
                    .setAfterId(after).build());
        } else {
            state.clearPromotion();
        }
        return CommandResult.newBuilder().setCount(promoted).setMore(more).build();
    }
}
