package dev.kinko.server.consensus;

import dev.kinko.server.domain.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Read barriers in batches, the way etcd's {@code linearizableReadLoop} serves reads: one Raft read
 * index round at a time serves every read that was waiting when the round began. A read that
 * arrives while a round is in flight waits for the next one, because that round's index may
 * predate a write acknowledged before the read arrived. So a follower pays one round trip to the
 * leader per batch, not per read, and the leader one lease check per batch.
 *
 * <p>A read index is safe to ask for again, so a round that fails for a transient reason (the
 * leader changed, or the channel to it is still reconnecting after start-up) is asked again, of the
 * leader Ratis names then, for the reads still within {@link #RETRY_WITHIN}; a round in flight to a
 * leader Ratis stops naming is given up at once and asked of the new one.
 */
final class ReadIndexBatcher {
    /** A read is retried through transient failures for at most this long after it arrived, then fails with the last reason. */
    static final Duration RETRY_WITHIN = Duration.ofSeconds(3);
    /** The first pause after a failed round; doubles up to {@link #MAX_PAUSE}, back to this after a round succeeds. */
    static final Duration FIRST_PAUSE = Duration.ofMillis(10);
    static final Duration MAX_PAUSE = Duration.ofMillis(200);

    private final Supplier<CompletableFuture<Void>> round;
    private final Supplier<Optional<String>> leader;
    private final ScheduledExecutorService timer;
    private final AtomicLong rounds = new AtomicLong();
    private final Object lock = new Object();
    /** Guarded by {@link #lock}: reads waiting for the next round. */
    private List<Waiter> waiting = new ArrayList<>();
    /** Guarded by {@link #lock}: the round in flight, or null. */
    private Round inFlight;
    /** Guarded by {@link #lock}: after a failure no round starts before {@link #pausedUntil} (System.nanoTime), unless the leader changes. */
    private boolean paused;
    private long pausedUntil;
    private long pauseMillis = FIRST_PAUSE.toMillis();

    /**
     * @param round  asks for one read index and completes once this node has applied up to it
     * @param leader the leader Ratis names now, if any
     * @param timer  starts every round, now or after a pause: a round ends on Ratis's state machine
     *               updater thread, and asking for the next one there would block it on itself
     */
    ReadIndexBatcher(Supplier<CompletableFuture<Void>> round, Supplier<Optional<String>> leader,
                     ScheduledExecutorService timer) {
        this.round = round;
        this.leader = leader;
        this.timer = timer;
    }

    private record Waiter(CompletableFuture<Void> done, long arrived) {}

    private record Round(List<Waiter> waiters, String asked) {}

    /** Completes once this node has applied every entry committed before the call. */
    CompletableFuture<Void> barrier() {
        Waiter w = new Waiter(new CompletableFuture<>(), System.nanoTime());
        boolean idle;
        synchronized (lock) {
            waiting.add(w);
            idle = inFlight == null && waiting.size() == 1;
        }
        if (idle) {
            kick(0);
        }
        return w.done;
    }

    /** How many read index rounds were asked for (each may serve many reads). */
    long rounds() {
        return rounds.get();
    }

    /** Ratis named {@code newLeader}: a round in flight to another leader is asked again of it. */
    void leaderChanged(String newLeader) {
        synchronized (lock) {
            paused = false;
            if (inFlight != null && !inFlight.asked.equals(newLeader)) {
                waiting.addAll(0, inFlight.waiters);
                inFlight = null; // its answer, if one still comes, is ignored
            }
        }
        kick(0);
    }

    /** Starts the next round on the timer's thread after {@code millis}, or fails everything if the node is closing. */
    private void kick(long millis) {
        try {
            timer.schedule(this::startRound, millis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            failAll(new RaftUnavailableException("this node is shutting down"));
        }
    }

    private void startRound() {
        Round r;
        synchronized (lock) {
            if (inFlight != null || waiting.isEmpty() || (paused && System.nanoTime() - pausedUntil < 0)) {
                return;
            }
            r = new Round(waiting, leader.get().orElse(""));
            waiting = new ArrayList<>();
            inFlight = r;
        }
        rounds.incrementAndGet();
        CompletableFuture<Void> asked;
        try {
            asked = round.get();
        } catch (RuntimeException e) {
            asked = CompletableFuture.failedFuture(e);
        }
        asked.whenComplete((v, error) -> finished(r, error));
    }

    private void finished(Round r, Throwable error) {
        synchronized (lock) {
            if (inFlight != r) {
                return; // given up on a leader change, and asked again
            }
            inFlight = null;
            if (error == null) {
                paused = false;
                pauseMillis = FIRST_PAUSE.toMillis();
            }
        }
        if (error == null) {
            kick(0); // the reads that came meanwhile
            r.waiters.forEach(w -> w.done.complete(null));
            return;
        }
        Throwable cause = unwrap(error);
        boolean transientFailure = cause instanceof RaftUnavailableException u && u.reason() != Reason.OVERLOADED;
        List<Waiter> retry = new ArrayList<>();
        long now = System.nanoTime();
        for (Waiter w : r.waiters) {
            if (transientFailure && now - w.arrived < RETRY_WITHIN.toNanos()) {
                retry.add(w);
            } else {
                w.done.completeExceptionally(cause);
            }
        }
        if (retry.isEmpty()) {
            kick(0);
            return;
        }
        long pause;
        synchronized (lock) {
            waiting.addAll(0, retry);
            pause = pauseMillis;
            pauseMillis = Math.min(pauseMillis * 2, MAX_PAUSE.toMillis());
            paused = true;
            pausedUntil = now + TimeUnit.MILLISECONDS.toNanos(pause);
        }
        kick(pause);
    }

    /** Fails every read waiting or in flight (the node is closing). */
    void failAll(Throwable error) {
        List<Waiter> all = new ArrayList<>();
        synchronized (lock) {
            all.addAll(waiting);
            waiting = new ArrayList<>();
            if (inFlight != null) {
                all.addAll(inFlight.waiters);
                inFlight = null;
            }
        }
        all.forEach(w -> w.done.completeExceptionally(error));
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
