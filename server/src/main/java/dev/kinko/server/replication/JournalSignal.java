package dev.kinko.server.replication;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Wakes shippers when the node applied an entry, so a new journal record
 * ships at once; and remembers when each journal head was first applied
 * here, so replication lag is measured from the moment a change was durable
 * in this region.
 */
public final class JournalSignal {
    /** Journal heads remembered at most (older ones are forgotten first). */
    static final int REMEMBERED_HEADS = 100_000;

    private long applied;
    private final ConcurrentSkipListMap<Long, Long> firstApplied = new ConcurrentSkipListMap<>();

    /** Called after every applied entry with the journal head it left. */
    public void applied(long journalHead) {
        firstApplied.putIfAbsent(journalHead, System.currentTimeMillis());
        if (firstApplied.size() > REMEMBERED_HEADS) {
            firstApplied.pollFirstEntry();
        }
        synchronized (this) {
            applied++;
            notifyAll();
        }
    }

    /** When journal sequence {@code seq} was first seen applied here, or 0 if not remembered. */
    long appliedMillis(long seq) {
        Map.Entry<Long, Long> e = firstApplied.ceilingEntry(seq);
        return e == null ? 0 : e.getValue();
    }

    /** Forgets heads below {@code seq} (shipped everywhere). */
    void forgetBelow(long seq) {
        firstApplied.headMap(seq).clear();
    }

    /** Wakes the waiting shippers though nothing was applied: one of them has an answer to handle. */
    synchronized void wake() {
        applied++;
        notifyAll();
    }

    /** Waits until something is applied (or {@link #wake}) after {@code seen}, or the timeout; returns the new count. */
    synchronized long await(long seen, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (applied == seen) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                break;
            }
            wait(left);
        }
        return applied;
    }

    synchronized long current() {
        return applied;
    }
}
