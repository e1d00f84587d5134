package dev.kinko.server.replication;

/** Wakes shippers when the node applied an entry, so a new journal record ships at once. */
public final class JournalSignal {
    private long applied;

    public synchronized void signal() {
        applied++;
        notifyAll();
    }

    /** Waits until something is applied after {@code seen}, or the timeout; returns the new count. */
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
