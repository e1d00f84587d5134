package dev.kinko.robustness.history;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Checks that what clients saw of each secret is linearizable: that there is one total order of
 * the operations, consistent with real time (an op that completed before another was invoked comes
 * first), in which every read returns the value of the latest write before it, or {@code null}
 * when there is none.
 *
 * <p>Each key is a register of its own and is checked alone (linearizability is compositional, so
 * the history is linearizable exactly when every key's is). The model, per {@link Op}:
 * <ul>
 *   <li>the register starts with no value ({@code null});</li>
 *   <li>an OK write took effect at one instant between its invoke and its complete;</li>
 *   <li>a FAILED write never took effect and is dropped;</li>
 *   <li>an UNKNOWN write may have taken effect at any instant after its invoke, or never: its
 *       complete is taken as +infinity, and an UNKNOWN write whose value no OK read returned is
 *       dropped (leaving it out changes no read, so it can never be needed);</li>
 *   <li>an OK read returned {@code value} at one instant between its invoke and complete; FAILED
 *       and UNKNOWN reads are dropped.</li>
 * </ul>
 * Every write of a key writes a value no other write of that key uses; the checker relies on that
 * and rejects a history that breaks it.
 *
 * <p>The search is Porcupine's (Athalye), which is Lowe's refinement of Wing and Gong's: call and
 * return entries in time order in a doubly linked list, ops lifted out of the list as they are
 * linearized and put back on backtracking, and a cache of (set of linearized ops, register state)
 * pairs already explored. Unique values keep it small: a read of {@code v} can only be linearized
 * while the register holds {@code v}, and all values that no read returned are one state
 * ("dead"), since no read can tell them apart. Before the search, reads that cannot be right
 * whatever the order (a value no write wrote, the value of a FAILED write, a value whose write was
 * invoked after the read completed) are reported directly.
 *
 * <p>The search is exponential in the worst case, so each key has a budget of steps and of time
 * ({@link #KEY_STEP_BUDGET}, {@link #KEY_TIME_BUDGET}); a key that exceeds it is
 * {@link Verdict#BUDGET_EXCEEDED}, which is not a pass.
 *
 * <p>A key that is not linearizable comes with a {@link Counterexample}: the end of the longest
 * linearizable prefix the search found, the op that could not be placed after it, the register's
 * value there, and the ops concurrent with that op, with times in ms from an origin.
 */
public final class LinearizabilityChecker {

    /** Most wall-clock time the search may spend on one key before its verdict is BUDGET_EXCEEDED. */
    public static final Duration KEY_TIME_BUDGET = Duration.ofSeconds(10);

    /** Most search steps (list entries visited) on one key before its verdict is BUDGET_EXCEEDED. */
    public static final long KEY_STEP_BUDGET = 50_000_000L;

    /** How many ops of the longest linearizable prefix a counterexample shows. */
    static final int PREFIX_SHOWN = 6;

    /** How many ops concurrent with the op that cannot be placed a counterexample shows. */
    static final int CONCURRENT_SHOWN = 10;

    private static final int NULL_STATE = 0;
    private static final int DEAD_STATE = -1;

    public enum Verdict {
        /** A linearization exists. */
        LINEARIZABLE,
        /** No linearization exists; see the counterexample. */
        NOT_LINEARIZABLE,
        /** The search ran out of its step or time budget: unknown, and not a pass. */
        BUDGET_EXCEEDED
    }

    /**
     * Why a key is not linearizable.
     *
     * @param reason           one line: what cannot be placed and why
     * @param linearizedCount  how many ops the longest linearizable prefix found has (0 for the
     *                         checks made before the search)
     * @param prefixTail       the last ops of that prefix, in their linearization order
     * @param culprit          the op that cannot be placed after the prefix
     * @param related          other ops that explain it: the write of the value a read returned, and
     *                         ops concurrent with the culprit, in invoke order
     * @param text             all of it, formatted for a report (times in ms from the origin)
     */
    public record Counterexample(String reason, int linearizedCount, List<Op> prefixTail, Op culprit,
                                 List<Op> related, String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    /**
     * The verdict on one key.
     *
     * @param opsChecked     the ops the search had to place (after dropping those the model drops)
     * @param opsDropped     FAILED writes, UNKNOWN writes no read saw, FAILED and UNKNOWN reads
     * @param steps          search steps taken
     * @param counterexample present when NOT_LINEARIZABLE, else null
     * @param message        "" when LINEARIZABLE, otherwise what a report should say about the key
     */
    public record KeyResult(String key, Verdict verdict, int opsChecked, int opsDropped, long steps,
                            Duration elapsed, Counterexample counterexample, String message) {
        public boolean linearizable() {
            return verdict == Verdict.LINEARIZABLE;
        }
    }

    /** The verdicts on all keys of a history, in key order. */
    public record Result(List<KeyResult> keys, Duration elapsed) {
        /** True only when every key is LINEARIZABLE; a budget exceeded is not a pass. */
        public boolean linearizable() {
            return keys.stream().allMatch(KeyResult::linearizable);
        }

        public List<KeyResult> notLinearizable() {
            return keys.stream().filter(k -> k.verdict() == Verdict.NOT_LINEARIZABLE).toList();
        }

        public List<KeyResult> budgetExceeded() {
            return keys.stream().filter(k -> k.verdict() == Verdict.BUDGET_EXCEEDED).toList();
        }

        public KeyResult key(String key) {
            return keys.stream().filter(k -> k.key().equals(key)).findFirst().orElse(null);
        }

        /** One line, e.g. {@code linearizability: 100 keys, 99 linearizable, 1 not linearizable [k7], ...}. */
        public String summary() {
            long ops = keys.stream().mapToLong(KeyResult::opsChecked).sum();
            List<String> bad = notLinearizable().stream().map(KeyResult::key).toList();
            List<String> unknown = budgetExceeded().stream().map(KeyResult::key).toList();
            return "linearizability: " + keys.size() + " keys, "
                    + (keys.size() - bad.size() - unknown.size()) + " linearizable, "
                    + bad.size() + " not linearizable" + (bad.isEmpty() ? "" : " " + bad) + ", "
                    + unknown.size() + " unknown (budget exceeded)" + (unknown.isEmpty() ? "" : " " + unknown)
                    + "; " + ops + " ops checked in " + elapsed.toMillis() + " ms";
        }

        /** The summary line, then the message of every key that did not pass. */
        public String report() {
            StringBuilder s = new StringBuilder(summary());
            for (KeyResult k : keys) {
                if (!k.linearizable()) {
                    s.append("\n\n").append(k.message());
                }
            }
            return s.toString();
        }

        @Override
        public String toString() {
            return report();
        }
    }

    private final long timeBudgetNanos;
    private final long stepBudget;

    /** A checker with the default budgets, {@link #KEY_TIME_BUDGET} and {@link #KEY_STEP_BUDGET}. */
    public LinearizabilityChecker() {
        this(KEY_TIME_BUDGET, KEY_STEP_BUDGET);
    }

    public LinearizabilityChecker(Duration keyTimeBudget, long keyStepBudget) {
        this.timeBudgetNanos = keyTimeBudget.toNanos();
        this.stepBudget = keyStepBudget;
    }

    /** Checks every key of {@code history}; times in messages are ms from its earliest invoke. */
    public Result check(Collection<Op> history) {
        long origin = history.stream().mapToLong(Op::invokeNanos).min().orElse(0);
        return check(history, origin);
    }

    /**
     * Checks every key of {@code history}; times in messages are ms from {@code originNanos} (for
     * instance the run's start, so that they line up with the fault log).
     *
     * @throws IllegalArgumentException when two writes of one key write the same value, a write's
     *                                  value is null, or an op completes before it is invoked
     */
    public Result check(Collection<Op> history, long originNanos) {
        long start = System.nanoTime();
        Map<String, List<Op>> byKey = new TreeMap<>();
        for (Op op : history) {
            byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        }
        List<KeyResult> results = new ArrayList<>(byKey.size());
        for (Map.Entry<String, List<Op>> e : byKey.entrySet()) {
            results.add(checkKey(e.getKey(), e.getValue(), originNanos));
        }
        return new Result(List.copyOf(results), Duration.ofNanos(System.nanoTime() - start));
    }

    /** Checks the ops of one key (all of {@code ops} must be of {@code key}). */
    public KeyResult checkKey(String key, List<Op> ops, long originNanos) {
        return new KeySearch(key, ops, originNanos).run();
    }

    /** The check of one key. */
    private final class KeySearch {
        private final String key;
        private final List<Op> all;
        private final long origin;
        private final long start = System.nanoTime();

        // the ops to place, in invoke order, and what the model needs of them
        private Op[] ops;
        private boolean[] isWrite;
        private boolean[] finite;
        private int[] stateOf; // a write: the state it leaves; a read: the state it needs
        private int dropped;

        // the search's best point, for the counterexample
        private int bestDepth = -1;
        private int bestCulprit = -1;
        private int[] bestTail = new int[0];
        private int bestLastWrite = -1;

        KeySearch(String key, List<Op> all, long origin) {
            this.key = key;
            this.all = all;
            this.origin = origin;
        }

        KeyResult run() {
            Map<String, Op> writeOf = new HashMap<>();
            Set<String> readValues = new HashSet<>();
            for (Op op : all) {
                if (!op.key().equals(key)) {
                    throw new IllegalArgumentException("op of key " + op.key() + " among the ops of " + key + ": " + op);
                }
                if (op.outcome() != Op.Outcome.UNKNOWN && op.completeNanos() < op.invokeNanos()) {
                    throw new IllegalArgumentException("key " + key + ": op completes before it is invoked: " + op);
                }
                if (op.kind() == Op.Kind.WRITE) {
                    if (op.value() == null) {
                        throw new IllegalArgumentException("key " + key + ": write of null: " + op);
                    }
                    Op before = writeOf.putIfAbsent(op.value(), op);
                    if (before != null) {
                        throw new IllegalArgumentException("key " + key + ": two writes of the value "
                                + Describe.value(op.value()) + " (the checker needs unique values): " + before + " and " + op);
                    }
                } else if (op.outcome() == Op.Outcome.OK && op.value() != null) {
                    readValues.add(op.value());
                }
            }

            KeyResult impossible = impossibleReads(writeOf);
            if (impossible != null) {
                return impossible;
            }

            // what the search places, and the register states
            List<Op> kept = new ArrayList<>();
            for (Op op : all) {
                boolean keep = switch (op.kind()) {
                    case READ -> op.outcome() == Op.Outcome.OK;
                    case WRITE -> op.outcome() == Op.Outcome.OK
                            || (op.outcome() == Op.Outcome.UNKNOWN && readValues.contains(op.value()));
                };
                if (keep) {
                    kept.add(op);
                } else {
                    dropped++;
                }
            }
            kept.sort(Comparator.comparingLong(Op::invokeNanos));
            int n = kept.size();
            ops = kept.toArray(new Op[0]);
            isWrite = new boolean[n];
            finite = new boolean[n];
            stateOf = new int[n];
            Map<String, Integer> stateIds = new HashMap<>();
            for (int i = 0; i < n; i++) {
                Op op = ops[i];
                isWrite[i] = op.kind() == Op.Kind.WRITE;
                finite[i] = op.outcome() == Op.Outcome.OK;
                if (op.value() == null) {
                    stateOf[i] = NULL_STATE; // a read of no value
                } else if (isWrite[i] && !readValues.contains(op.value())) {
                    stateOf[i] = DEAD_STATE;
                } else {
                    stateOf[i] = stateIds.computeIfAbsent(op.value(), v -> stateIds.size() + 1);
                }
            }
            return search(n);
        }

        /** Reads that are wrong in every order; the earliest by invoke, or null. */
        private KeyResult impossibleReads(Map<String, Op> writeOf) {
            Op culprit = null;
            Op write = null;
            String why = null;
            for (Op op : all) {
                if (op.kind() != Op.Kind.READ || op.outcome() != Op.Outcome.OK || op.value() == null) {
                    continue;
                }
                if (culprit != null && culprit.invokeNanos() <= op.invokeNanos()) {
                    continue;
                }
                Op w = writeOf.get(op.value());
                if (w == null) {
                    culprit = op;
                    write = null;
                    why = "it returned " + Describe.value(op.value()) + ", which no write of " + key + " wrote";
                } else if (w.outcome() == Op.Outcome.FAILED) {
                    culprit = op;
                    write = w;
                    why = "it returned " + Describe.value(op.value()) + ", the value of a write that FAILED (known not to have taken effect)";
                } else if (op.completeNanos() < w.invokeNanos()) {
                    culprit = op;
                    write = w;
                    why = "it returned " + Describe.value(op.value()) + " before the write of that value was invoked";
                }
            }
            if (culprit == null) {
                return null;
            }
            String reason = Describe.op(culprit, origin) + " cannot be linearized in any order: " + why;
            List<Op> related = write == null ? List.of() : List.of(write);
            StringBuilder text = new StringBuilder();
            text.append("key ").append(key).append(": not linearizable\n  ").append(reason);
            if (write != null) {
                text.append("\n  the write:  ").append(Describe.op(write, origin));
            }
            Counterexample cx = new Counterexample(reason, 0, List.of(), culprit, related, text.toString());
            return new KeyResult(key, Verdict.NOT_LINEARIZABLE, all.size(), 0, 0, elapsed(), cx, text.toString());
        }

        private KeyResult search(int n) {
            // entries: the call of op i is i, its return n + i; HEAD is the list's sentinel
            final int head = 2 * n;
            Integer[] order = new Integer[2 * n];
            for (int e = 0; e < 2 * n; e++) {
                order[e] = e;
            }
            Arrays.sort(order, (a, b) -> {
                int c = Long.compare(time(a, n), time(b, n));
                if (c != 0) {
                    return c;
                }
                // calls before returns at the same instant: such ops count as concurrent
                return Boolean.compare(a >= n, b >= n);
            });
            int[] next = new int[2 * n + 1];
            int[] prev = new int[2 * n + 1];
            int last = head;
            for (Integer e : order) {
                next[last] = e;
                prev[e] = last;
                last = e;
            }
            next[last] = head;
            prev[head] = last;

            long[] zobrist = new long[n];
            SplittableRandom random = new SplittableRandom(0x6b696e6b6fL);
            for (int i = 0; i < n; i++) {
                zobrist[i] = random.nextLong();
            }

            LinSet linearized = new LinSet(n);
            long hash = 0;
            Set<CacheKey> cache = new HashSet<>();
            int[] stackOp = new int[n];
            int[] stackState = new int[n];
            int[] stackLastWrite = new int[n]; // the last write on the stack at or below this depth
            int depth = 0;
            int state = NULL_STATE;
            int remaining = 0;
            for (int i = 0; i < n; i++) {
                if (finite[i]) {
                    remaining++;
                }
            }
            long deadline = start + timeBudgetNanos;
            long steps = 0;
            int entry = next[head];
            while (remaining > 0) {
                steps++;
                if (steps > stepBudget || ((steps & 1023) == 0 && System.nanoTime() - deadline > 0)) {
                    return budgetExceeded(n, steps);
                }
                if (entry == head) {
                    throw new IllegalStateException("key " + key + ": search ran off the end of the history");
                }
                if (entry < n) { // a call: try to linearize the op now
                    int op = entry;
                    boolean fits = isWrite[op] || state == stateOf[op];
                    if (fits) {
                        int newState = isWrite[op] ? stateOf[op] : state;
                        linearized.add(op);
                        long newHash = hash ^ zobrist[op];
                        if (cache.add(linearized.key(newHash, newState))) {
                            stackOp[depth] = op;
                            stackState[depth] = state;
                            stackLastWrite[depth] = isWrite[op] ? op : (depth == 0 ? -1 : stackLastWrite[depth - 1]);
                            depth++;
                            state = newState;
                            hash = newHash;
                            if (finite[op]) {
                                remaining--;
                            }
                            // lift the call and its return out of the list
                            int ret = op + n;
                            next[prev[op]] = next[op];
                            prev[next[op]] = prev[op];
                            next[prev[ret]] = next[ret];
                            prev[next[ret]] = prev[ret];
                            entry = next[head];
                            continue;
                        }
                        linearized.remove(op);
                    }
                    entry = next[entry];
                } else { // the return of an op not yet linearized: back up
                    if (depth > bestDepth) {
                        bestDepth = depth;
                        bestCulprit = entry - n;
                        bestTail = Arrays.copyOfRange(stackOp, Math.max(0, depth - PREFIX_SHOWN), depth);
                        bestLastWrite = depth == 0 ? -1 : stackLastWrite[depth - 1];
                    }
                    if (depth == 0) {
                        return notLinearizable(n, steps);
                    }
                    depth--;
                    int op = stackOp[depth];
                    state = stackState[depth];
                    hash ^= zobrist[op];
                    linearized.remove(op);
                    if (finite[op]) {
                        remaining++;
                    }
                    // put the return back, then the call (the reverse of lifting)
                    int ret = op + n;
                    next[prev[ret]] = ret;
                    prev[next[ret]] = ret;
                    next[prev[op]] = op;
                    prev[next[op]] = op;
                    entry = next[op];
                }
            }
            return new KeyResult(key, Verdict.LINEARIZABLE, n, dropped, steps, elapsed(), null, "");
        }

        private long time(int entry, int n) {
            if (entry < n) {
                return ops[entry].invokeNanos();
            }
            int op = entry - n;
            return finite[op] ? ops[op].completeNanos() : Long.MAX_VALUE;
        }

        private KeyResult budgetExceeded(int n, long steps) {
            String message = "key " + key + ": unknown, search budget exceeded after " + steps + " steps in "
                    + elapsed().toMillis() + " ms (budget " + stepBudget + " steps, "
                    + Duration.ofNanos(timeBudgetNanos).toMillis() + " ms per key); " + n
                    + " ops to place, longest linearizable prefix found so far " + Math.max(bestDepth, 0) + " ops";
            return new KeyResult(key, Verdict.BUDGET_EXCEEDED, n, dropped, steps, elapsed(), null, message);
        }

        private KeyResult notLinearizable(int n, long steps) {
            Op culprit = ops[bestCulprit];
            String held = bestLastWrite < 0 ? "null (no write before it)"
                    : Describe.value(ops[bestLastWrite].value()) + " (from " + Describe.op(ops[bestLastWrite], origin) + ")";
            String reason;
            if (isWrite[bestCulprit]) {
                reason = Describe.op(culprit, origin) + " cannot be placed after the longest linearizable prefix ("
                        + bestDepth + " of " + n + " ops), where the register holds " + held
                        + ": no order of the ops that fits puts it before it completed";
            } else {
                reason = Describe.op(culprit, origin) + " cannot be placed after the longest linearizable prefix ("
                        + bestDepth + " of " + n + " ops): the register holds " + held;
            }

            List<Op> tail = new ArrayList<>();
            for (int i : bestTail) {
                tail.add(ops[i]);
            }
            Set<Op> related = new LinkedHashSet<>();
            Op writeOfRead = null;
            if (!isWrite[bestCulprit] && culprit.value() != null) {
                for (Op op : ops) {
                    if (op.kind() == Op.Kind.WRITE && culprit.value().equals(op.value())) {
                        writeOfRead = op;
                        related.add(op);
                    }
                }
            }
            List<Op> concurrent = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Op op = ops[i];
                if (i == bestCulprit || tail.contains(op) || op == writeOfRead) {
                    continue;
                }
                long opEnd = finite[i] ? op.completeNanos() : Long.MAX_VALUE;
                long culpritEnd = finite[bestCulprit] ? culprit.completeNanos() : Long.MAX_VALUE;
                if (op.invokeNanos() <= culpritEnd && culprit.invokeNanos() <= opEnd) {
                    concurrent.add(op);
                }
            }
            int moreConcurrent = Math.max(0, concurrent.size() - CONCURRENT_SHOWN);
            concurrent = concurrent.subList(0, Math.min(concurrent.size(), CONCURRENT_SHOWN));
            related.addAll(concurrent);

            StringBuilder text = new StringBuilder();
            text.append("key ").append(key).append(": not linearizable (").append(steps).append(" search steps)\n  ")
                    .append(reason).append('\n');
            text.append("  the longest linearizable prefix (").append(bestDepth).append(" ops) ends with:\n");
            if (tail.isEmpty()) {
                text.append("      (nothing: not even the first op can be placed)\n");
            }
            for (int i = 0; i < tail.size(); i++) {
                text.append(String.format("      #%-5d %s%n", bestDepth - tail.size() + i + 1, Describe.op(tail.get(i), origin)));
            }
            text.append("  then cannot be placed:\n      >>     ").append(Describe.op(culprit, origin)).append('\n');
            if (writeOfRead != null) {
                text.append("  the write of the value it read:\n             ").append(Describe.op(writeOfRead, origin)).append('\n');
            }
            text.append("  concurrent with it, not in the prefix shown:\n");
            if (concurrent.isEmpty()) {
                text.append("             (none)\n");
            }
            for (Op op : concurrent) {
                text.append("             ").append(Describe.op(op, origin)).append('\n');
            }
            if (moreConcurrent > 0) {
                text.append("             ... and ").append(moreConcurrent).append(" more\n");
            }
            String t = text.toString().stripTrailing();
            Counterexample cx = new Counterexample(reason, bestDepth, List.copyOf(tail), culprit, List.copyOf(related), t);
            return new KeyResult(key, Verdict.NOT_LINEARIZABLE, n, dropped, steps, elapsed(), cx, t);
        }

        private Duration elapsed() {
            return Duration.ofNanos(System.nanoTime() - start);
        }
    }

    /**
     * The set of linearized ops as a bitset that knows its leading run of full words, so that a
     * cache key holds only the words from the first not-full one to the last non-zero one: during a
     * search everything well before the frontier is linearized, and the keys stay a word or two.
     */
    private static final class LinSet {
        private final long[] words;
        private int full; // words[0 .. full) are all ones
        private int high = -1; // no word after this one has ever had a bit set

        LinSet(int n) {
            words = new long[(n + 63) >>> 6];
        }

        void add(int i) {
            int w = i >>> 6;
            words[w] |= 1L << i;
            if (w > high) {
                high = w;
            }
            while (full < words.length && words[full] == -1L) {
                full++;
            }
        }

        void remove(int i) {
            int w = i >>> 6;
            words[w] &= ~(1L << i);
            if (w < full) {
                full = w;
            }
        }

        CacheKey key(long setHash, int state) {
            int last = high;
            while (last >= full && words[last] == 0) {
                last--;
            }
            long[] rest = last < full ? EMPTY : Arrays.copyOfRange(words, full, last + 1);
            return new CacheKey(setHash ^ (state * 0x9E3779B97F4A7C15L), state, full, rest);
        }

        private static final long[] EMPTY = new long[0];
    }

    private record CacheKey(long hash, int state, int full, long[] rest) {
        @Override
        public boolean equals(Object o) {
            return o instanceof CacheKey k && k.hash == hash && k.state == state && k.full == full
                    && Arrays.equals(k.rest, rest);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(hash);
        }
    }
}
