package dev.kinko.robustness.history;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Histories of real sequential registers: every op gets an instant inside its interval at which it
 * acts on its key's register, and reads return what the register held then. So the histories are
 * linearizable by construction, whatever the overlap.
 */
final class RegisterHistories {
    private RegisterHistories() {
    }

    /**
     * @param clients        clients, each with one op in flight at a time
     * @param opsPerClient   ops each client runs
     * @param keys           keys "k0".. the ops spread over at random
     * @param maxGapNanos    most time a client waits between ops
     * @param maxHalfNanos   most time from invoke to the op's effect, and from there to complete
     * @param faults         whether some ops FAIL (no effect) or are UNKNOWN (effect or not, possibly
     *                       long after the client gave up)
     */
    static List<Op> generate(Random random, int clients, int opsPerClient, int keys, long maxGapNanos,
                             long maxHalfNanos, boolean faults) {
        return generateWithFinal(random, clients, opsPerClient, keys, maxGapNanos, maxHalfNanos, faults).history();
    }

    /** A history and its registers' values after all its ops (keys never written: absent). */
    record Generated(List<Op> history, Map<String, String> finalValues) {
    }

    static Generated generateWithFinal(Random random, int clients, int opsPerClient, int keys, long maxGapNanos,
                                       long maxHalfNanos, boolean faults) {
        record Pending(Op op, long at, boolean effect) {
        }
        List<Pending> pending = new ArrayList<>();
        int values = 0;
        for (int c = 0; c < clients; c++) {
            long t = 1_000_000L + (long) (random.nextDouble() * maxGapNanos);
            for (int i = 0; i < opsPerClient; i++) {
                String key = "k" + random.nextInt(keys);
                boolean write = random.nextInt(3) != 0;
                long invoke = t;
                long at = invoke + 1 + (long) (random.nextDouble() * maxHalfNanos);
                long complete = at + 1 + (long) (random.nextDouble() * maxHalfNanos);
                Op.Outcome outcome = Op.Outcome.OK;
                boolean effect = true;
                if (faults) {
                    int dice = random.nextInt(20);
                    if (dice == 0) {
                        outcome = Op.Outcome.FAILED;
                        effect = false;
                    } else if (dice == 1) {
                        outcome = Op.Outcome.UNKNOWN;
                        effect = write && random.nextBoolean();
                        if (effect && random.nextBoolean()) {
                            at = complete + (long) (random.nextDouble() * 20 * maxHalfNanos); // commits late
                        }
                    }
                }
                if (!write && outcome != Op.Outcome.OK) {
                    effect = false;
                }
                String value = write ? "v" + (values++) : null;
                String reason = outcome == Op.Outcome.OK ? "" : (outcome == Op.Outcome.FAILED ? "NOT_LEADER" : "DEADLINE");
                pending.add(new Pending(new Op(c, key, write ? Op.Kind.WRITE : Op.Kind.READ, value, invoke, complete,
                        outcome, reason), at, effect));
                t = complete + (long) (random.nextDouble() * maxGapNanos);
            }
        }
        pending.sort(Comparator.comparingLong(Pending::at));
        Map<String, String> register = new HashMap<>();
        List<Op> history = new ArrayList<>(pending.size());
        for (Pending p : pending) {
            Op op = p.op();
            if (op.kind() == Op.Kind.WRITE) {
                if (p.effect()) {
                    register.put(op.key(), op.value());
                }
                history.add(op);
            } else {
                String seen = p.effect() ? register.get(op.key()) : null;
                history.add(new Op(op.client(), op.key(), op.kind(), seen, op.invokeNanos(), op.completeNanos(),
                        op.outcome(), op.reason()));
            }
        }
        history.sort(Comparator.comparingLong(Op::invokeNanos));
        return new Generated(history, register);
    }
}
