package dev.kinko.robustness.history;

import static dev.kinko.robustness.history.H.onKey;
import static dev.kinko.robustness.history.H.r;
import static dev.kinko.robustness.history.H.w;
import static dev.kinko.robustness.history.H.wFailed;
import static dev.kinko.robustness.history.H.wUnknown;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kinko.robustness.history.LinearizabilityChecker.KeyResult;
import dev.kinko.robustness.history.LinearizabilityChecker.Result;
import dev.kinko.robustness.history.LinearizabilityChecker.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LinearizabilityCheckerTest {

    private final LinearizabilityChecker checker = new LinearizabilityChecker();

    private KeyResult checkOne(Op... ops) {
        Result result = checker.check(List.of(ops), 0);
        assertThat(result.keys()).hasSize(1);
        return result.keys().get(0);
    }

    private void assertLinearizable(Op... ops) {
        KeyResult k = checkOne(ops);
        assertThat(k.verdict()).as(k.message()).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(k.message()).isEmpty();
    }

    private KeyResult assertNotLinearizable(Op... ops) {
        KeyResult k = checkOne(ops);
        assertThat(k.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(k.counterexample()).isNotNull();
        assertThat(k.message()).startsWith("key k: not linearizable");
        return k;
    }

    // ---- linearizable

    @Test
    void emptyHistoryPasses() {
        Result result = checker.check(List.of());
        assertThat(result.linearizable()).isTrue();
        assertThat(result.keys()).isEmpty();
    }

    @Test
    void sequentialWritesAndReads() {
        assertLinearizable(w(0, "a", 0, 1), r(1, "a", 2, 3), w(0, "b", 4, 5), r(1, "b", 6, 7), r(2, "b", 8, 9));
    }

    @Test
    void readOfNullBeforeAnyWrite() {
        assertLinearizable(r(0, null, 0, 1), w(1, "a", 2, 3), r(0, "a", 4, 5));
    }

    @Test
    void readOfNullOrValueConcurrentWithTheFirstWrite() {
        assertLinearizable(w(0, "a", 0, 10), r(1, null, 1, 2), r(2, "a", 3, 4), r(1, "a", 5, 6));
    }

    @Test
    void concurrentOverlappingWritesAndReads() {
        // b takes effect first, then a, though a was invoked first
        assertLinearizable(
                w(0, "a", 0, 10), w(1, "b", 5, 15),
                r(2, "b", 6, 7), r(3, "a", 8, 9), r(2, "a", 11, 12), r(3, "a", 20, 21));
        // the other order
        assertLinearizable(
                w(0, "a", 0, 10), w(1, "b", 5, 15),
                r(2, "a", 6, 7), r(3, "b", 12, 13), r(2, "b", 20, 21));
    }

    @Test
    void readsConcurrentWithEachOtherMaySeeEitherValue() {
        assertLinearizable(
                w(0, "a", 0, 1), w(0, "b", 2, 10),
                r(1, "b", 3, 9), r(2, "a", 3, 9)); // a's read linearized before b's write
    }

    @Test
    void unknownWriteThatTookEffect() {
        assertLinearizable(w(0, "a", 0, 1), wUnknown(1, "b", 2, 3), r(2, "b", 10, 11), r(2, "b", 12, 13));
    }

    @Test
    void unknownWriteThatTookEffectAfterItsClientGaveUp() {
        assertLinearizable(w(0, "a", 0, 1), wUnknown(1, "b", 2, 3), r(2, "a", 5, 6), r(2, "b", 10, 11));
    }

    @Test
    void unknownWriteThatNeverTookEffect() {
        assertLinearizable(w(0, "a", 0, 1), wUnknown(1, "b", 2, 3), r(2, "a", 10, 11), r(2, "a", 100, 101));
    }

    @Test
    void failedWriteIsDropped() {
        KeyResult k = checkOne(w(0, "a", 0, 1), wFailed(1, "b", 2, 3), r(2, "a", 10, 11));
        assertThat(k.verdict()).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(k.opsDropped()).isEqualTo(1);
    }

    @Test
    void failedAndUnknownReadsAreDropped() {
        assertLinearizable(w(0, "a", 0, 1),
                H.op(1, "k", Op.Kind.READ, "nonsense", 2, 3, Op.Outcome.FAILED),
                H.op(1, "k", Op.Kind.READ, "nonsense2", 4, 5, Op.Outcome.UNKNOWN),
                r(2, "a", 10, 11));
    }

    @Test
    void opsTouchingAtOneInstantCountAsConcurrent() {
        assertLinearizable(w(0, "a", 0, 5), r(1, null, 5, 6));
    }

    // ---- not linearizable

    @Test
    void staleReadAfterAnAcknowledgedWriteCompleted() {
        KeyResult k = assertNotLinearizable(w(0, "a", 0, 1), w(1, "b", 2, 3), r(2, "a", 4, 5), r(3, "b", 6, 7));
        var cx = k.counterexample();
        assertThat(cx.culprit()).isEqualTo(r(2, "a", 4, 5));
        // the history before the read completed is linearizable: a, b
        assertThat(cx.linearizedCount()).isEqualTo(2);
        assertThat(cx.prefixTail()).containsExactly(w(0, "a", 0, 1), w(1, "b", 2, 3));
        assertThat(cx.related()).contains(w(0, "a", 0, 1), w(1, "b", 2, 3));
        assertThat(cx.reason()).contains("the history up to 5.000 ms is linearizable without its completion");
        assertThat(k.message().replaceAll("\\d+ search steps, \\d+ more", "N search steps, M more")).isEqualTo("""
                key k: not linearizable (4 ops; N search steps, M more to find the shortest failing prefix)
                  the history up to 5.000 ms is linearizable without the completion of this op, and not with it:
                      >>     client 2 read -> 'a' [4.000 ms .. 5.000 ms] OK
                  the write of the value it read:
                             client 0 write 'a' [0.000 ms .. 1.000 ms] OK
                  the last ops that completed before it was invoked:
                             client 0 write 'a' [0.000 ms .. 1.000 ms] OK
                             client 1 write 'b' [2.000 ms .. 3.000 ms] OK
                  concurrent with it:
                             (none)
                  a linearization of the history up to 3.000 ms (2 ops), ending with:
                      #1     client 0 write 'a' [0.000 ms .. 1.000 ms] OK
                      #2     client 1 write 'b' [2.000 ms .. 3.000 ms] OK
                  leaves the register holding 'b'""");
    }

    @Test
    void readOfNullAfterAWriteCompleted() {
        KeyResult k = assertNotLinearizable(w(0, "a", 0, 1), r(1, null, 2, 3));
        assertThat(k.counterexample().culprit()).isEqualTo(r(1, null, 2, 3));
    }

    @Test
    void nonMonotonicReads() {
        KeyResult k = assertNotLinearizable(
                w(0, "a", 0, 1), w(1, "b", 2, 10), r(2, "b", 3, 4), r(3, "a", 5, 6));
        var cx = k.counterexample();
        assertThat(cx.culprit()).isEqualTo(r(3, "a", 5, 6));
        // before it: b (still running) and the read of b
        assertThat(cx.prefixTail()).containsExactly(w(0, "a", 0, 1), w(1, "b", 2, 10), r(2, "b", 3, 4));
        assertThat(k.message()).contains("concurrent with it:\n             client 1 write 'b' [2.000 ms .. 10.000 ms] OK")
                .contains("leaves the register holding 'b'");
    }

    @Test
    void readOfAFailedWritesValue() {
        KeyResult k = assertNotLinearizable(w(0, "a", 0, 1), wFailed(1, "b", 2, 3), r(2, "b", 4, 5));
        assertThat(k.counterexample().culprit()).isEqualTo(r(2, "b", 4, 5));
        assertThat(k.counterexample().related()).containsExactly(wFailed(1, "b", 2, 3));
        assertThat(k.message()).contains("FAILED");
    }

    @Test
    void readOfAValueNeverWritten() {
        KeyResult k = assertNotLinearizable(w(0, "a", 0, 1), r(2, "zzz", 4, 5));
        assertThat(k.counterexample().culprit()).isEqualTo(r(2, "zzz", 4, 5));
        assertThat(k.message()).contains("which no write of k wrote");
    }

    @Test
    void readOfAValueBeforeItsWriteWasInvoked() {
        KeyResult k = assertNotLinearizable(r(2, "a", 0, 1), w(0, "a", 2, 3));
        assertThat(k.message()).contains("before the write of that value was invoked");
    }

    @Test
    void readOfAnUnknownWriteThenOfTheOlderValue() {
        assertNotLinearizable(w(0, "a", 0, 1), wUnknown(1, "b", 2, 3), r(2, "b", 4, 5), r(2, "a", 6, 7));
    }

    @Test
    void lostAcknowledgedWriteSeenByTheFinalRead() {
        // the harness adds the read after healing as an OK read at the end
        KeyResult k = assertNotLinearizable(w(0, "a", 0, 1), w(1, "b", 2, 3), w(2, "c", 3.5, 4), r(9, "b", 100, 101));
        assertThat(k.counterexample().culprit()).isEqualTo(r(9, "b", 100, 101));
    }

    @Test
    void onlyTheBadKeyFailsAndTheReportNamesIt() {
        List<Op> history = new ArrayList<>();
        history.addAll(onKey("good", w(0, "a", 0, 1), r(1, "a", 2, 3)));
        history.addAll(onKey("bad", w(0, "x", 0, 1), w(1, "y", 2, 3), r(2, "x", 4, 5)));
        history.addAll(onKey("other", r(3, null, 0, 1)));
        Result result = checker.check(history);
        assertThat(result.linearizable()).isFalse();
        assertThat(result.notLinearizable()).extracting(KeyResult::key).containsExactly("bad");
        assertThat(result.key("good").linearizable()).isTrue();
        assertThat(result.key("other").linearizable()).isTrue();
        assertThat(result.summary()).startsWith("linearizability: 3 keys, 2 linearizable, 1 not linearizable [bad], 0 unknown");
        assertThat(result.report()).contains("key bad: not linearizable")
                .contains(">>     client 2 read -> 'x' [4.000 ms .. 5.000 ms] OK");
    }

    @Test
    void budgetExceededIsReportedAndIsNotAPass() {
        List<Op> history = RegisterHistories.generate(new Random(1), 6, 50, 1, 2_000_000, 2_000_000, false);
        Result result = new LinearizabilityChecker(Duration.ofSeconds(10), 20).check(history);
        KeyResult k = result.keys().get(0);
        assertThat(k.verdict()).isEqualTo(Verdict.BUDGET_EXCEEDED);
        assertThat(k.message()).contains("search budget exceeded");
        assertThat(result.linearizable()).isFalse();
        assertThat(result.budgetExceeded()).hasSize(1);
        assertThat(result.summary()).contains("1 unknown (budget exceeded) [k0]");
    }

    @Test
    void twoWritesOfOneValueAreRejected() {
        assertThatThrownBy(() -> checker.check(List.of(w(0, "a", 0, 1), w(1, "a", 2, 3))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("two writes of the value 'a'");
    }

    // ---- randomized

    @Test
    void randomHistoriesOfARealRegisterPassAndAStaleMutationFails() {
        int mutated = 0;
        for (int seed = 0; seed < 300; seed++) {
            Random random = new Random(seed);
            boolean big = seed % 10 == 0;
            List<Op> history = RegisterHistories.generate(random, big ? 8 : 2 + random.nextInt(4), big ? 60 : 15,
                    big ? 3 : 1 + random.nextInt(2), 3_000_000, 2_000_000, true);
            Result result = checker.check(history);
            assertThat(result.linearizable()).as("seed %d\n%s", seed, result.report()).isTrue();

            List<Op> stale = mutateToStale(history, random);
            if (stale == null) {
                continue;
            }
            mutated++;
            String key = stale.get(stale.size() - 1).key(); // the mutated op is put last
            Result bad = checker.check(stale);
            assertThat(bad.notLinearizable()).as("seed %d", seed).extracting(KeyResult::key).containsExactly(key);
            assertThat(bad.budgetExceeded()).isEmpty();
        }
        assertThat(mutated).isGreaterThan(200);
    }

    /**
     * The history with one OK read changed to return the value of an OK write w although another OK
     * write w2 ran wholly between w and the read: stale in every order. Null when there is none.
     */
    static List<Op> mutateToStale(List<Op> history, Random random) {
        List<Op> reads = history.stream().filter(o -> o.kind() == Op.Kind.READ && o.outcome() == Op.Outcome.OK).toList();
        if (reads.isEmpty()) {
            return null;
        }
        for (int attempt = 0; attempt < 20; attempt++) {
            Op read = reads.get(random.nextInt(reads.size()));
            List<Op> okWrites = history.stream().filter(o -> o.key().equals(read.key())
                    && o.kind() == Op.Kind.WRITE && o.outcome() == Op.Outcome.OK).toList();
            for (Op w2 : okWrites) {
                if (w2.completeNanos() >= read.invokeNanos()) {
                    continue;
                }
                for (Op w : okWrites) {
                    if (w.completeNanos() < w2.invokeNanos() && !w.value().equals(read.value())) {
                        List<Op> out = new ArrayList<>(history);
                        out.remove(read);
                        out.add(new Op(read.client(), read.key(), read.kind(), w.value(), read.invokeNanos(),
                                read.completeNanos(), read.outcome(), read.reason()));
                        return out;
                    }
                }
            }
        }
        return null;
    }

    // ---- performance

    @Test
    void twelveClientsTwoThousandOpsEachOnOneKeyWithinTheBudget() {
        List<Op> history = RegisterHistories.generate(new Random(12), 12, 2_000, 1, 1_000_000, 3_000_000, true);
        Result result = checker.check(history);
        KeyResult k = result.keys().get(0);
        System.out.printf("12 x 2,000 ops on one key: %d ops checked, %d dropped, %d steps, %d ms%n",
                k.opsChecked(), k.opsDropped(), k.steps(), k.elapsed().toMillis());
        assertThat(k.verdict()).as(k.message()).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(k.elapsed()).isLessThan(Duration.ofSeconds(3));

        List<Op> stale = mutateToStale(history, new Random(3));
        assertThat(stale).isNotNull();
        KeyResult bad = checker.check(stale).keys().get(0);
        System.out.printf("the same with one stale read: %s, %d steps, %d ms%n", bad.verdict(), bad.steps(),
                bad.elapsed().toMillis());
        assertThat(bad.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aHundredKeys() {
        List<Op> history = RegisterHistories.generate(new Random(100), 12, 4_000, 100, 1_000_000, 3_000_000, true);
        Result result = checker.check(history);
        System.out.println(result.summary());
        assertThat(result.linearizable()).as(result.report()).isTrue();
    }
}
