package dev.kinko.server.domain.command.replication;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.ContinuePromotionCommand;
import dev.kinko.proto.raft.v1.PromotionRecord;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;
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

    /** Makes the next replica secrets standalone; the promotion record keeps the count, or goes when none is left. */
    static CommandResult nextChunk(String region, PromotionRecord promotion, long now, StateWriter state) {
        int walked = 0;
        int done = 0;
        for (String source : state.primaryRegions()) {
            if (source.equals(region)) {
                continue;
            }
            // a secret made standalone leaves its source's index: the next chunk starts from the first again
            for (String id : state.secretsWithPrimary(source, "", Limits.CHUNK_SECRETS - walked)) {
                walked++; // an index entry without its secret (never expected) must not stop the node
                Optional<SecretRecord> s = state.secretById(id);
                if (s.isPresent()) {
                    Standalone.make(region, s.get(), now, state);
                    done++;
                }
            }
            if (walked == Limits.CHUNK_SECRETS) {
                break;
            }
        }
        long promoted = promotion.getPromoted() + done;
        boolean more = walked == Limits.CHUNK_SECRETS;
        if (more) {
            state.putPromotion(promotion.toBuilder().setPromoted(promoted).build());
        } else {
            state.clearPromotion();
        }
        return CommandResult.newBuilder().setCount(promoted).setMore(more).build();
    }
}
