package dev.kinko.robustness.history;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The suite's checks besides linearizability ({@link LinearizabilityChecker}): acknowledged writes
 * present at the end, stale reads, error codes, and the replica region equal to the primary. Each
 * returns a {@link Check}: whether it passed and a readable message either way.
 */
public final class HistoryChecks {

    /** How many examples a failure message lists. */
    static final int EXAMPLES_SHOWN = 10;

    private HistoryChecks() {
    }

    /** What every check returns. */
    public interface Check {
        boolean passed();

        /** One line when passed; the failures with examples when not. */
        String message();
    }

    // ---------------------------------------------------------------------------------------------
    // lost writes

    /**
     * The result of {@link #lostWrites}.
     *
     * @param acknowledged the OK writes of the keys checked
     * @param lost         OK writes the final values show lost, in invoke order
     * @param anomalies    final values no write can explain (no write wrote them, or a FAILED one did)
     * @param unchecked    keys with OK writes but no entry in the final values
     */
    public record LostWrites(int acknowledged, List<Op> lost, List<String> anomalies, List<String> unchecked,
                             long originNanos) implements Check {
        @Override
        public boolean passed() {
            return lost.isEmpty() && anomalies.isEmpty() && unchecked.isEmpty();
        }

        @Override
        public String message() {
            StringBuilder s = new StringBuilder("acknowledged writes: " + acknowledged + ", lost " + lost.size());
            if (!anomalies.isEmpty()) {
                s.append(", ").append(anomalies.size()).append(" final values no write explains");
            }
            if (!unchecked.isEmpty()) {
                s.append(", ").append(unchecked.size()).append(" keys with acknowledged writes but no final value: ")
                        .append(unchecked.subList(0, Math.min(unchecked.size(), EXAMPLES_SHOWN)));
            }
            for (Op op : lost.subList(0, Math.min(lost.size(), EXAMPLES_SHOWN))) {
                s.append("\n  lost: key ").append(op.key()).append(": ").append(Describe.op(op, originNanos));
            }
            if (lost.size() > EXAMPLES_SHOWN) {
                s.append("\n  ... and ").append(lost.size() - EXAMPLES_SHOWN).append(" more lost");
            }
            for (String a : anomalies.subList(0, Math.min(anomalies.size(), EXAMPLES_SHOWN))) {
                s.append("\n  ").append(a);
            }
            return s.toString();
        }
    }

    /**
     * The acknowledged (OK) writes that the final state shows lost.
     *
     * <p>{@code finalValues} maps each key to the value read after all clients stopped and the
     * faults healed ({@code null}: the secret has no value); call it once per node or region read.
     *
     * <p>The rule. A write's value can leave the register only by being overwritten, so an OK write
     * {@code w} of a key whose final value is {@code f} is intact exactly when there is an order of
     * the writes, consistent with real time, in which {@code w} is followed by the write of
     * {@code f} or is that write. Real time forbids {@code w} before the write {@code wf} of
     * {@code f} only when {@code wf} completed before {@code w} was invoked, and one such pair can
     * always be ordered either way otherwise, so {@code w} is <b>lost</b> when
     * <ul>
     *   <li>{@code f} is not {@code w}'s value, and</li>
     *   <li>{@code f} is null or no write wrote it, or {@code wf} completed (OK or FAILED) before
     *       {@code w} was invoked. An UNKNOWN {@code wf} may have taken effect at any time after
     *       its invoke, so it can always follow {@code w}.</li>
     * </ul>
     * Note that "some write that started after {@code w} completed" is not the rule: a write that
     * overlapped {@code w} may also have overwritten it. The rule uses the writes alone; that the
     * final value was read at the right time, and every read before it, is the linearizability
     * check's business, to which the harness gives the final reads as OK READ ops.
     *
     * <p>A final value that no write wrote, or that only a FAILED write wrote, is an anomaly and
     * fails the check; so does a key with OK writes that is missing from {@code finalValues}.
     */
    public static LostWrites lostWrites(Collection<Op> history, Map<String, String> finalValues) {
        long origin = origin(history);
        Map<String, List<Op>> writes = new TreeMap<>();
        for (Op op : history) {
            if (op.kind() == Op.Kind.WRITE) {
                writes.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
            }
        }
        int acknowledged = 0;
        List<Op> lost = new ArrayList<>();
        List<String> anomalies = new ArrayList<>();
        List<String> unchecked = new ArrayList<>();
        for (Map.Entry<String, List<Op>> e : writes.entrySet()) {
            String key = e.getKey();
            List<Op> ok = e.getValue().stream().filter(w -> w.outcome() == Op.Outcome.OK)
                    .sorted(Comparator.comparingLong(Op::invokeNanos)).toList();
            if (!finalValues.containsKey(key)) {
                if (!ok.isEmpty()) {
                    unchecked.add(key);
                }
                continue;
            }
            acknowledged += ok.size();
            String f = finalValues.get(key);
            Op wf = null;
            if (f != null) {
                for (Op w : e.getValue()) {
                    if (f.equals(w.value())) {
                        wf = w;
                    }
                }
                if (wf == null) {
                    anomalies.add("key " + key + ": final value " + Describe.value(f) + " was written by no write");
                } else if (wf.outcome() == Op.Outcome.FAILED) {
                    anomalies.add("key " + key + ": final value " + Describe.value(f)
                            + " is the value of a FAILED write: " + Describe.op(wf, origin));
                }
            }
            for (Op w : ok) {
                if (w == wf) {
                    continue;
                }
                boolean canFollow = wf != null
                        && (wf.outcome() == Op.Outcome.UNKNOWN || wf.completeNanos() >= w.invokeNanos());
                if (!canFollow) {
                    lost.add(w);
                }
            }
        }
        // a key never written but given a non-null final value
        for (Map.Entry<String, String> e : new TreeMap<>(finalValues).entrySet()) {
            if (!writes.containsKey(e.getKey()) && e.getValue() != null) {
                anomalies.add("key " + e.getKey() + ": final value " + Describe.value(e.getValue())
                        + " was written by no write");
            }
        }
        lost.sort(Comparator.comparingLong(Op::invokeNanos));
        return new LostWrites(acknowledged, List.copyOf(lost), List.copyOf(anomalies), List.copyOf(unchecked), origin);
    }

    // ---------------------------------------------------------------------------------------------
    // stale reads

    /** One stale read and the newer write known committed before it was invoked. */
    public record StaleRead(Op read, Op newer, long newerKnownAtNanos) {
    }

    /** The result of {@link #staleReads}; a diagnostic count for the summary. */
    public record StaleReads(int readsChecked, List<StaleRead> stale, long originNanos) implements Check {
        public int count() {
            return stale.size();
        }

        @Override
        public boolean passed() {
            return stale.isEmpty();
        }

        @Override
        public String message() {
            StringBuilder s = new StringBuilder("stale reads: " + stale.size() + " of " + readsChecked + " OK reads");
            for (StaleRead r : stale.subList(0, Math.min(stale.size(), EXAMPLES_SHOWN))) {
                s.append("\n  key ").append(r.read().key()).append(": ").append(Describe.op(r.read(), originNanos))
                        .append("\n      but ").append(Describe.op(r.newer(), originNanos))
                        .append(", a later write, was known committed at ").append(Describe.ms(r.newerKnownAtNanos(), originNanos));
            }
            if (stale.size() > EXAMPLES_SHOWN) {
                s.append("\n  ... and ").append(stale.size() - EXAMPLES_SHOWN).append(" more");
            }
            return s.toString();
        }
    }

    /**
     * OK reads that returned a value older than one known to be committed before the read was
     * invoked.
     *
     * <p>A write is known committed at the earliest of its completion, if OK, and the completion
     * of the first OK read that returned its value. A read {@code r} of value {@code v} is stale
     * when some write {@code c} was known committed before {@code r} was invoked and {@code c} was
     * invoked after the write of {@code v} was known committed (so {@code c} follows it in every
     * order), or when {@code v} is null and any write was known committed before {@code r}.
     * Reads of values no write (or a FAILED write) wrote are not counted here; the linearizability
     * check reports them. Every stale read is also a linearizability violation; this is the count
     * for the summary.
     */
    public static StaleReads staleReads(Collection<Op> history) {
        long origin = origin(history);
        Map<String, List<Op>> byKey = byKey(history);
        int checked = 0;
        List<StaleRead> stale = new ArrayList<>();
        for (List<Op> ops : byKey.values()) {
            Map<String, Op> writeOf = new HashMap<>();
            for (Op op : ops) {
                if (op.kind() == Op.Kind.WRITE && op.outcome() != Op.Outcome.FAILED && op.value() != null) {
                    writeOf.put(op.value(), op);
                }
            }
            Map<String, Long> known = new HashMap<>();
            for (Op w : writeOf.values()) {
                if (w.outcome() == Op.Outcome.OK) {
                    known.put(w.value(), w.completeNanos());
                }
            }
            for (Op r : ops) {
                if (r.kind() == Op.Kind.READ && r.outcome() == Op.Outcome.OK && writeOf.containsKey(r.value())) {
                    known.merge(r.value(), r.completeNanos(), Math::min);
                }
            }
            // writes known committed, by the time they were; with the latest-invoked one so far
            Op[] committed = known.keySet().stream().map(writeOf::get)
                    .sorted(Comparator.comparingLong(w -> known.get(w.value()))).toArray(Op[]::new);
            long[] knownAt = new long[committed.length];
            int[] latest = new int[committed.length];
            for (int i = 0; i < committed.length; i++) {
                knownAt[i] = known.get(committed[i].value());
                latest[i] = i == 0 || committed[i].invokeNanos() > committed[latest[i - 1]].invokeNanos() ? i : latest[i - 1];
            }
            for (Op r : ops) {
                if (r.kind() != Op.Kind.READ || r.outcome() != Op.Outcome.OK) {
                    continue;
                }
                if (r.value() != null && !writeOf.containsKey(r.value())) {
                    continue;
                }
                checked++;
                // committed[0 .. k) were known committed before r was invoked
                int k = lowerBound(knownAt, r.invokeNanos());
                if (k == 0) {
                    continue;
                }
                Op c = committed[latest[k - 1]];
                boolean isStale = r.value() == null
                        || (!c.value().equals(r.value()) && c.invokeNanos() > known.get(r.value()));
                if (isStale) {
                    stale.add(new StaleRead(r, c, known.get(c.value())));
                }
            }
        }
        stale.sort(Comparator.comparingLong(s -> s.read().invokeNanos()));
        return new StaleReads(checked, List.copyOf(stale), origin);
    }

    /** The number of elements of sorted {@code a} less than {@code x}. */
    private static int lowerBound(long[] a, long x) {
        int i = Arrays.binarySearch(a, x);
        if (i < 0) {
            return -i - 1;
        }
        while (i > 0 && a[i - 1] == x) {
            i--;
        }
        return i;
    }

    // ---------------------------------------------------------------------------------------------
    // error codes

    /** The reason an op that did not succeed gave no reason at all is counted under. */
    public static final String NO_REASON = "(no reason)";

    /**
     * The result of {@link #errorCodes}.
     *
     * @param counts       every reason of a FAILED or UNKNOWN op, with its count
     * @param undocumented those not in the documented set, with their counts
     * @param examples     the first op of each undocumented reason
     */
    public record ErrorCodes(Map<String, Integer> counts, Map<String, Integer> undocumented,
                             Map<String, Op> examples, long originNanos) implements Check {
        @Override
        public boolean passed() {
            return undocumented.isEmpty();
        }

        @Override
        public String message() {
            if (undocumented.isEmpty()) {
                return "error codes: all documented " + counts;
            }
            StringBuilder s = new StringBuilder("error codes: " + undocumented.size() + " undocumented " + undocumented
                    + " (all: " + counts + ")");
            for (Map.Entry<String, Op> e : examples.entrySet()) {
                s.append("\n  first ").append(e.getKey()).append(": key ").append(e.getValue().key()).append(": ")
                        .append(Describe.op(e.getValue(), originNanos));
            }
            return s.toString();
        }
    }

    /**
     * Counts the reasons of all FAILED and UNKNOWN ops and returns those outside {@code documented}.
     * An op that did not succeed with an empty or null reason counts as {@link #NO_REASON}, which is
     * undocumented unless {@code documented} holds it (every error should carry its reason).
     */
    public static ErrorCodes errorCodes(Collection<Op> history, Set<String> documented) {
        long origin = origin(history);
        Map<String, Integer> counts = new TreeMap<>();
        Map<String, Integer> undocumented = new TreeMap<>();
        Map<String, Op> examples = new TreeMap<>();
        List<Op> sorted = new ArrayList<>(history);
        sorted.sort(Comparator.comparingLong(Op::invokeNanos));
        for (Op op : sorted) {
            if (op.outcome() == Op.Outcome.OK) {
                continue;
            }
            String reason = op.reason() == null || op.reason().isEmpty() ? NO_REASON : op.reason();
            counts.merge(reason, 1, Integer::sum);
            if (!documented.contains(reason)) {
                undocumented.merge(reason, 1, Integer::sum);
                examples.putIfAbsent(reason, op);
            }
        }
        return new ErrorCodes(counts, undocumented, examples, origin);
    }

    // ---------------------------------------------------------------------------------------------
    // convergence

    /** A key whose values differ; null: no value. */
    public record Difference(String key, String primary, String replica) {
    }

    /** The result of {@link #convergence}. */
    public record Convergence(String primaryName, String replicaName, int keysCompared,
                              List<Difference> differences) implements Check {
        @Override
        public boolean passed() {
            return differences.isEmpty();
        }

        @Override
        public String message() {
            StringBuilder s = new StringBuilder("convergence: " + replicaName + " vs " + primaryName + ", "
                    + keysCompared + " keys, " + differences.size() + " differ");
            for (Difference d : differences.subList(0, Math.min(differences.size(), EXAMPLES_SHOWN))) {
                s.append("\n  key ").append(d.key()).append(": ").append(primaryName).append(' ')
                        .append(Describe.value(d.primary())).append(", ").append(replicaName).append(' ')
                        .append(Describe.value(d.replica()));
            }
            if (differences.size() > EXAMPLES_SHOWN) {
                s.append("\n  ... and ").append(differences.size() - EXAMPLES_SHOWN).append(" more");
            }
            return s.toString();
        }
    }

    /**
     * Compares the final values of the replica region with the primary's, key by key over the keys
     * of either map. A key missing from a map counts as having no value (null), the same as a key
     * mapped to null.
     */
    public static Convergence convergence(String primaryName, Map<String, String> primary,
                                          String replicaName, Map<String, String> replica) {
        Set<String> keys = new TreeSet<>(primary.keySet());
        keys.addAll(replica.keySet());
        List<Difference> differences = new ArrayList<>();
        for (String key : keys) {
            String p = primary.get(key);
            String r = replica.get(key);
            if (!Objects.equals(p, r)) {
                differences.add(new Difference(key, p, r));
            }
        }
        return new Convergence(primaryName, replicaName, keys.size(), List.copyOf(differences));
    }

    /** {@link #convergence(String, Map, String, Map)} with the names "primary" and "replica". */
    public static Convergence convergence(Map<String, String> primary, Map<String, String> replica) {
        return convergence("primary", primary, "replica", replica);
    }

    // ---------------------------------------------------------------------------------------------

    static long origin(Collection<Op> history) {
        return history.stream().mapToLong(Op::invokeNanos).min().orElse(0);
    }

    private static Map<String, List<Op>> byKey(Collection<Op> history) {
        Map<String, List<Op>> byKey = new TreeMap<>();
        for (Op op : history) {
            byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        }
        for (List<Op> ops : byKey.values()) {
            ops.sort(Comparator.comparingLong(Op::invokeNanos));
        }
        return byKey;
    }
}
