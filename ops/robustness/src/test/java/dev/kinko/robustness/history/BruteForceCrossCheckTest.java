package dev.kinko.robustness.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The checker against an exhaustive search over every order of small random histories (not
 * generated from a register, so about half are not linearizable): the verdicts must agree.
 */
class BruteForceCrossCheckTest {

    @Test
    void verdictsAgreeWithExhaustiveSearchOnSmallRandomHistories() {
        LinearizabilityChecker checker = new LinearizabilityChecker();
        int linearizable = 0;
        int cases = 1_000;
        for (int seed = 0; seed < cases; seed++) {
            Random random = new Random(seed);
            List<Op> history = randomHistory(random);
            boolean expected = bruteForce(history);
            var result = checker.check(history, 0);
            assertThat(result.budgetExceeded()).isEmpty();
            assertThat(result.linearizable()).as("seed %d: %s\n%s", seed, history, result.report()).isEqualTo(expected);
            if (expected) {
                linearizable++;
            }
        }
        // both kinds are well represented
        assertThat(linearizable).isBetween(cases / 5, cases * 4 / 5);
    }

    private static List<Op> randomHistory(Random random) {
        int n = 2 + random.nextInt(6);
        List<String> written = new ArrayList<>();
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long invoke = random.nextInt(12);
            long complete = invoke + random.nextInt(5);
            int dice = random.nextInt(10);
            Op.Outcome outcome = dice < 7 ? Op.Outcome.OK : dice < 9 ? Op.Outcome.UNKNOWN : Op.Outcome.FAILED;
            if (random.nextBoolean()) {
                String value = "v" + i;
                written.add(value);
                ops.add(new Op(i, "k", Op.Kind.WRITE, value, invoke, complete, outcome, ""));
            } else {
                ops.add(new Op(i, "k", Op.Kind.READ, null, invoke, complete, outcome, ""));
            }
        }
        // reads return something written (or nothing, rarely something never written)
        List<Op> out = new ArrayList<>();
        for (Op op : ops) {
            if (op.kind() == Op.Kind.READ) {
                int pick = random.nextInt(written.size() + 2);
                String value = pick < written.size() ? written.get(pick) : pick == written.size() ? null
                        : (random.nextInt(4) == 0 ? "never" : null);
                op = new Op(op.client(), op.key(), op.kind(), value, op.invokeNanos(), op.completeNanos(),
                        op.outcome(), op.reason());
            }
            out.add(op);
        }
        return out;
    }

    /** Whether some subset of the UNKNOWN writes and some real-time order of the ops fits a register. */
    static boolean bruteForce(List<Op> history) {
        List<Op> must = new ArrayList<>();
        List<Op> optional = new ArrayList<>();
        for (Op op : history) {
            if (op.kind() == Op.Kind.READ && op.outcome() == Op.Outcome.OK) {
                must.add(op);
            } else if (op.kind() == Op.Kind.WRITE && op.outcome() == Op.Outcome.OK) {
                must.add(op);
            } else if (op.kind() == Op.Kind.WRITE && op.outcome() == Op.Outcome.UNKNOWN) {
                optional.add(op);
            }
        }
        for (int mask = 0; mask < (1 << optional.size()); mask++) {
            List<Op> ops = new ArrayList<>(must);
            for (int i = 0; i < optional.size(); i++) {
                if ((mask & (1 << i)) != 0) {
                    ops.add(optional.get(i));
                }
            }
            if (orders(ops, new boolean[ops.size()], 0, null)) {
                return true;
            }
        }
        return false;
    }

    private static long end(Op op) {
        return op.outcome() == Op.Outcome.OK ? op.completeNanos() : Long.MAX_VALUE;
    }

    private static boolean orders(List<Op> ops, boolean[] placed, int count, String state) {
        if (count == ops.size()) {
            return true;
        }
        for (int i = 0; i < ops.size(); i++) {
            if (placed[i]) {
                continue;
            }
            Op x = ops.get(i);
            boolean minimal = true; // no unplaced op completed before x was invoked
            for (int j = 0; j < ops.size(); j++) {
                if (!placed[j] && j != i && end(ops.get(j)) < x.invokeNanos()) {
                    minimal = false;
                    break;
                }
            }
            if (!minimal) {
                continue;
            }
            String next = state;
            if (x.kind() == Op.Kind.WRITE) {
                next = x.value();
            } else if (!java.util.Objects.equals(x.value(), state)) {
                continue;
            }
            placed[i] = true;
            boolean ok = orders(ops, placed, count + 1, next);
            placed[i] = false;
            if (ok) {
                return true;
            }
        }
        return false;
    }
}
