package dev.kinko.server.testing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A concurrent history of single-writer registers (one writer per key writes 1, 2, 3, … in turn)
 * and a linearizability check of it. For such a register a history is linearizable exactly when
 * every read returns a value whose write began before the read ended, no smaller than the last
 * value acknowledged before the read began, and no smaller than what a read that ended before it
 * began returned. Times are System.nanoTime; a write whose outcome is unknown never ends.
 */
public final class RegisterHistory {
    /** A write or read of {@code value} on {@code key}, from {@code start} to {@code end}. */
    public record Op(String key, long value, long start, long end) {}

    private final Map<String, ConcurrentLinkedQueue<Op>> writes = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Op> reads = new ConcurrentLinkedQueue<>();

    public void wrote(String key, long value, long start, long end) {
        writes.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).add(new Op(key, value, start, end));
    }

    /** A write that failed without saying whether it was applied: it may take effect at any later time. */
    public void wroteMaybe(String key, long value, long start) {
        wrote(key, value, start, Long.MAX_VALUE);
    }

    public void read(String key, long value, long start, long end) {
        reads.add(new Op(key, value, start, end));
    }

    public int reads() {
        return reads.size();
    }

    /** The violations found, each said in words; empty when the history is linearizable. */
    public List<String> violations() {
        List<String> out = new ArrayList<>();
        Map<String, List<Op>> writesByKey = new ConcurrentHashMap<>();
        writes.forEach((k, q) -> writesByKey.put(k, new ArrayList<>(q)));
        for (Op r : reads) {
            List<Op> ws = writesByKey.getOrDefault(r.key, List.of());
            long lastAcked = ws.stream().filter(w -> w.end < r.start).mapToLong(Op::value).max().orElse(0);
            if (r.value < lastAcked) {
                out.add("read " + r + " returned " + r.value + " though " + lastAcked + " was acknowledged before it began");
            }
            boolean begun = r.value == 0 || ws.stream().anyMatch(w -> w.value == r.value && w.start < r.end);
            if (!begun) {
                out.add("read " + r + " returned a value no write had begun to write");
            }
        }
        // a read that ended before another began bounds it from below
        Map<String, List<Op>> readsByKey = new ConcurrentHashMap<>();
        reads.forEach(r -> readsByKey.computeIfAbsent(r.key, k -> new ArrayList<>()).add(r));
        for (List<Op> rs : readsByKey.values()) {
            rs.sort(Comparator.comparingLong(Op::end));
            List<Op> byStart = new ArrayList<>(rs);
            byStart.sort(Comparator.comparingLong(Op::start));
            int i = 0;
            long maxEnded = 0;
            Op maxOp = null;
            for (Op r : byStart) {
                while (i < rs.size() && rs.get(i).end < r.start) {
                    if (rs.get(i).value > maxEnded) {
                        maxEnded = rs.get(i).value;
                        maxOp = rs.get(i);
                    }
                    i++;
                }
                if (r.value < maxEnded) {
                    out.add("read " + r + " returned " + r.value + " after read " + maxOp + " had returned " + maxEnded);
                }
            }
        }
        return out;
    }
}
