package dev.kinko.server.domain;

import dev.kinko.proto.raft.v1.SourceRecord;
import java.time.Instant;
import java.util.Map;

/**
 * What a replica region accepts from a source region. Checked by the receiver before a batch
 * goes through Raft (to refuse it cheaply) and again when it is applied (where it counts).
 */
public final class SourceRules {
    private SourceRules() {}

    /** What this region holds from {@code source}: its record, or a fresh one before anything came from it. */
    public static SourceRecord sourceOf(StateReader state, String source) {
        return state.source(source).orElse(SourceRecord.newBuilder().setRegion(source).build());
    }

    /** After a promotion, the old primary's batches are refused for good. */
    public static void checkNotFenced(String region, SourceRecord source, long epoch) {
        if (source.getPromoted() || epoch < source.getEpoch()) {
            throw new KinkoException(Reason.REGION_PROMOTED, "region " + region + " was promoted at "
                    + Instant.ofEpochMilli(source.getPromotedMillis()) + " (link epoch " + source.getEpoch()
                    + ") and no longer accepts changes from region " + source.getRegion(),
                    Map.of("epoch", String.valueOf(source.getEpoch()),
                            "promoted_millis", String.valueOf(source.getPromotedMillis()),
                            KinkoException.APPLIED_SEQ, String.valueOf(source.getAppliedSeq())));
        }
    }

    /** A batch must continue from what this region applied (a full copy is taken whatever it starts at). */
    public static void checkNoGap(String region, SourceRecord source, long firstSeq, boolean reseed) {
        if (!reseed && firstSeq > source.getAppliedSeq() + 1) {
            throw new KinkoException(Reason.REPLICA_GAP, "region " + region + " has applied region "
                    + source.getRegion() + "'s journal up to sequence " + source.getAppliedSeq()
                    + ", the batch starts at " + firstSeq,
                    Map.of(KinkoException.APPLIED_SEQ, Long.toString(source.getAppliedSeq())));
        }
    }
}
