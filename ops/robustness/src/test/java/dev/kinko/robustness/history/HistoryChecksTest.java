package dev.kinko.robustness.history;

import static dev.kinko.robustness.history.H.onKey;
import static dev.kinko.robustness.history.H.r;
import static dev.kinko.robustness.history.H.w;
import static dev.kinko.robustness.history.H.wFailed;
import static dev.kinko.robustness.history.H.wUnknown;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kinko.robustness.history.HistoryChecks.Difference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HistoryChecksTest {

    private static Map<String, String> finalK(String value) {
        Map<String, String> m = new HashMap<>();
        m.put("k", value);
        return m;
    }

    // ---- lost writes

    @Test
    void noWriteLostWhenTheFinalValueIsTheLastWrite() {
        var result = HistoryChecks.lostWrites(List.of(w(0, "a", 0, 1), w(1, "b", 2, 3)), finalK("b"));
        assertThat(result.passed()).as(result.message()).isTrue();
        assertThat(result.acknowledged()).isEqualTo(2);
        assertThat(result.message()).isEqualTo("acknowledged writes: 2, lost 0");
    }

    @Test
    void aWriteInvokedAfterTheFinalWriteCompletedIsLost() {
        var result = HistoryChecks.lostWrites(List.of(w(0, "a", 0, 1), w(1, "b", 2, 3)), finalK("a"));
        assertThat(result.passed()).isFalse();
        assertThat(result.lost()).containsExactly(w(1, "b", 2, 3));
        assertThat(result.message()).contains("lost: key k: client 1 write 'b' [2.000 ms .. 3.000 ms] OK");
    }

    @Test
    void overlappingWritesMayEndInEitherOrder() {
        List<Op> history = List.of(w(0, "a", 0, 10), w(1, "b", 5, 15));
        assertThat(HistoryChecks.lostWrites(history, finalK("a")).passed()).isTrue();
        assertThat(HistoryChecks.lostWrites(history, finalK("b")).passed()).isTrue();
    }

    @Test
    void aWriteThatOverlappedTheFinalOneIsNotLostThoughNoWriteStartedAfterIt() {
        // a completed at 10; the final write c started at 5: c may have come after a
        var result = HistoryChecks.lostWrites(List.of(w(0, "a", 0, 10), w(1, "c", 5, 15), w(2, "b", 1, 2)), finalK("c"));
        assertThat(result.passed()).as(result.message()).isTrue();
    }

    @Test
    void anUnknownFinalWriteMayFollowAnything() {
        var result = HistoryChecks.lostWrites(List.of(wUnknown(0, "a", 0, 1), w(1, "b", 50, 51)), finalK("a"));
        assertThat(result.passed()).as(result.message()).isTrue();
    }

    @Test
    void noFinalValueLosesEveryAcknowledgedWrite() {
        var result = HistoryChecks.lostWrites(List.of(w(0, "a", 0, 1), wFailed(1, "b", 2, 3)), finalK(null));
        assertThat(result.lost()).containsExactly(w(0, "a", 0, 1));
        assertThat(result.acknowledged()).isEqualTo(1);
    }

    @Test
    void aFinalValueNoWriteExplainsIsAnAnomaly() {
        var never = HistoryChecks.lostWrites(List.of(w(0, "a", 0, 1)), finalK("zzz"));
        assertThat(never.passed()).isFalse();
        assertThat(never.anomalies()).singleElement().asString().contains("'zzz' was written by no write");
        var failed = HistoryChecks.lostWrites(List.of(w(0, "a", 0, 1), wFailed(1, "b", 2, 3)), finalK("b"));
        assertThat(failed.passed()).isFalse();
        assertThat(failed.anomalies()).singleElement().asString().contains("FAILED write");
        var unwrittenKey = HistoryChecks.lostWrites(List.of(), Map.of("x", "v"));
        assertThat(unwrittenKey.anomalies()).hasSize(1);
    }

    @Test
    void aKeyWithAcknowledgedWritesButNoFinalValueFails() {
        var result = HistoryChecks.lostWrites(onKey("other", w(0, "a", 0, 1)), finalK(null));
        assertThat(result.passed()).isFalse();
        assertThat(result.unchecked()).containsExactly("other");
        assertThat(result.message()).contains("keys with acknowledged writes but no final value: [other]");
    }

    @Test
    void randomRegisterHistoriesLoseNothingAndAnOlderFinalValueLosesWrites() {
        int mutated = 0;
        for (int seed = 0; seed < 50; seed++) {
            var generated = RegisterHistories.generateWithFinal(new Random(seed), 4, 30, 3, 3_000_000, 2_000_000, true);
            List<Op> history = generated.history();
            Map<String, String> finals = new HashMap<>(generated.finalValues());
            for (Op op : history) {
                finals.putIfAbsent(op.key(), null);
            }
            var result = HistoryChecks.lostWrites(history, finals);
            assertThat(result.passed()).as("seed %d: %s", seed, result.message()).isTrue();

            // an OK write followed by another OK write invoked after it completed: as the final value, it loses that one
            for (Op w : history) {
                Op later = history.stream().filter(o -> o.key().equals(w.key()) && o.kind() == Op.Kind.WRITE
                        && o.outcome() == Op.Outcome.OK && o.invokeNanos() > w.completeNanos()).findFirst().orElse(null);
                if (w.kind() == Op.Kind.WRITE && w.outcome() == Op.Outcome.OK && later != null) {
                    finals.put(w.key(), w.value());
                    var lost = HistoryChecks.lostWrites(history, finals);
                    assertThat(lost.lost()).as("seed %d", seed).contains(later);
                    mutated++;
                    break;
                }
            }
        }
        assertThat(mutated).isGreaterThan(40);
    }

    // ---- stale reads

    @Test
    void staleReadsAreCounted() {
        List<Op> history = List.of(
                w(0, "a", 0, 1), w(1, "b", 2, 3),
                r(2, "a", 4, 5), // stale: b was acknowledged at 3
                r(3, "a", 2.5, 6), // concurrent with b's write: not stale
                r(2, "b", 7, 8));
        var result = HistoryChecks.staleReads(history);
        assertThat(result.count()).isEqualTo(1);
        assertThat(result.readsChecked()).isEqualTo(3);
        assertThat(result.stale().get(0).read()).isEqualTo(r(2, "a", 4, 5));
        assertThat(result.stale().get(0).newer()).isEqualTo(w(1, "b", 2, 3));
        assertThat(result.message()).startsWith("stale reads: 1 of 3 OK reads")
                .contains("a later write, was known committed at 3.000 ms");
    }

    @Test
    void aWriteSeenByAReadCountsAsCommittedFromThen() {
        List<Op> history = List.of(
                w(0, "a", 0, 1),
                wUnknown(1, "b", 2, 3),
                r(2, "b", 4, 5),
                r(3, "a", 6, 7), // b was seen committed at 5
                r(3, null, 8, 9)); // no value after a write was acknowledged
        var result = HistoryChecks.staleReads(history);
        assertThat(result.stale()).extracting(HistoryChecks.StaleRead::read)
                .containsExactly(r(3, "a", 6, 7), r(3, null, 8, 9));
    }

    @Test
    void randomRegisterHistoriesHaveNoStaleReads() {
        for (int seed = 0; seed < 50; seed++) {
            List<Op> history = RegisterHistories.generate(new Random(seed), 5, 40, 2, 3_000_000, 2_000_000, true);
            var result = HistoryChecks.staleReads(history);
            assertThat(result.passed()).as("seed %d: %s", seed, result.message()).isTrue();
            List<Op> stale = LinearizabilityCheckerTest.mutateToStale(history, new Random(seed));
            if (stale != null) {
                assertThat(HistoryChecks.staleReads(stale).count()).as("seed %d", seed).isEqualTo(1);
            }
        }
    }

    // ---- error codes

    @Test
    void undocumentedErrorCodesAreCounted() {
        List<Op> history = List.of(
                w(0, "a", 0, 1),
                H.op(1, "k", Op.Kind.WRITE, "b", 1, 2, Op.Outcome.FAILED), // NOT_LEADER
                H.op(1, "k", Op.Kind.WRITE, "c", 3, 4, Op.Outcome.UNKNOWN), // DEADLINE
                new Op(2, "k", Op.Kind.READ, null, 5, 6, Op.Outcome.FAILED, "INTERNAL"),
                new Op(2, "k", Op.Kind.READ, null, 7, 8, Op.Outcome.FAILED, "INTERNAL"),
                new Op(2, "k", Op.Kind.READ, null, 9, 10, Op.Outcome.UNKNOWN, ""));
        var result = HistoryChecks.errorCodes(history, Set.of("NOT_LEADER", "DEADLINE"));
        assertThat(result.passed()).isFalse();
        assertThat(result.counts()).containsEntry("NOT_LEADER", 1).containsEntry("DEADLINE", 1)
                .containsEntry("INTERNAL", 2).containsEntry(HistoryChecks.NO_REASON, 1);
        assertThat(result.undocumented()).containsOnlyKeys("INTERNAL", HistoryChecks.NO_REASON)
                .containsEntry("INTERNAL", 2);
        assertThat(result.message()).contains("first INTERNAL: key k: client 2 read");

        var ok = HistoryChecks.errorCodes(history.subList(0, 3), Set.of("NOT_LEADER", "DEADLINE"));
        assertThat(ok.passed()).isTrue();
        assertThat(ok.message()).isEqualTo("error codes: all documented {DEADLINE=1, NOT_LEADER=1}");
    }

    // ---- convergence

    @Test
    void convergenceListsTheDifferences() {
        Map<String, String> tokyo = new HashMap<>(Map.of("a", "1", "b", "2", "c", "3"));
        Map<String, String> osaka = new HashMap<>(Map.of("a", "1", "b", "9", "d", "4"));
        tokyo.put("e", null);
        var result = HistoryChecks.convergence("tokyo", tokyo, "osaka", osaka);
        assertThat(result.passed()).isFalse();
        assertThat(result.keysCompared()).isEqualTo(5);
        assertThat(result.differences()).containsExactly(
                new Difference("b", "2", "9"), new Difference("c", "3", null), new Difference("d", null, "4"));
        assertThat(result.message()).isEqualTo("convergence: osaka vs tokyo, 5 keys, 3 differ\n"
                + "  key b: tokyo '2', osaka '9'\n  key c: tokyo '3', osaka null\n  key d: tokyo null, osaka '4'");

        assertThat(HistoryChecks.convergence(Map.of("a", "1"), Map.of("a", "1")).passed()).isTrue();
    }
}
