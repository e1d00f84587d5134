package dev.kinko.server.consensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kinko.server.domain.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The batching and retry rules of {@link ReadIndexBatcher}, with rounds the test answers by hand. */
class ReadIndexBatcherTest {
    private final List<CompletableFuture<Void>> asked = new ArrayList<>();
    private final AtomicReference<String> leader = new AtomicReference<>("n1");
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final ReadIndexBatcher batcher = new ReadIndexBatcher(this::ask, () -> Optional.ofNullable(leader.get()), timer);

    private synchronized CompletableFuture<Void> ask() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        asked.add(f);
        return f;
    }

    private synchronized CompletableFuture<Void> round(int i) {
        return asked.get(i);
    }

    private synchronized int roundsAsked() {
        return asked.size();
    }

    /** Rounds start on the timer's thread: waits until {@code n} have been asked for. */
    private void awaitRounds(int n) {
        await().atMost(Duration.ofSeconds(5)).until(() -> roundsAsked() >= n);
        assertThat(roundsAsked()).isEqualTo(n);
    }

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    @Test
    void readsWaitingWhenARoundBeginsShareItAndLaterReadsWaitForTheNext() {
        CompletableFuture<Void> first = batcher.barrier();
        awaitRounds(1);
        CompletableFuture<Void> second = batcher.barrier(); // arrives while round 0 is in flight
        CompletableFuture<Void> third = batcher.barrier();

        round(0).complete(null);
        assertThat(first).isCompleted();
        // round 0 may predate a write acknowledged before these two arrived: they need round 1
        assertThat(second).isNotDone();
        assertThat(third).isNotDone();
        awaitRounds(2);

        round(1).complete(null);
        assertThat(second).isCompleted();
        assertThat(third).isCompleted();
        assertThat(batcher.rounds()).isEqualTo(2);
    }

    @Test
    void aTransientFailureIsAskedAgainAndTheReadSucceeds() {
        CompletableFuture<Void> read = batcher.barrier();
        awaitRounds(1);
        round(0).completeExceptionally(new CompletionException(
                new RaftUnavailableException(Reason.LEADER_UNREACHABLE, "io exception")));
        awaitRounds(2);
        assertThat(read).isNotDone();
        round(1).complete(null);
        assertThat(read).isCompleted();
    }

    @Test
    void aFailureThatIsNotTransientFailsTheReadsOfItsRound() {
        CompletableFuture<Void> read = batcher.barrier();
        awaitRounds(1);
        IllegalStateException broken = new IllegalStateException("state machine failed");
        round(0).completeExceptionally(broken);
        assertThat(read).isCompletedExceptionally();
        assertThat(read.handle((v, e) -> e).join()).isSameAs(broken);
        assertThat(batcher.barrier()).isNotDone(); // the next read gets a round of its own
        awaitRounds(2);
    }

    @Test
    void aRoundInFlightToALeaderRatisStopsNamingIsAskedOfTheNewOne() {
        CompletableFuture<Void> read = batcher.barrier();
        awaitRounds(1);
        leader.set("n2");
        batcher.leaderChanged("n2");
        awaitRounds(2);
        round(0).completeExceptionally(new RaftUnavailableException(Reason.RAFT_TIMEOUT, "old leader paused"));
        assertThat(read).isNotDone(); // the abandoned round's answer is ignored
        round(1).complete(null);
        assertThat(read).isCompleted();
    }

    @Test
    void aReadFailsWithTheLastReasonOnceItsRetryTimeIsUp() {
        CompletableFuture<Void> read = batcher.barrier();
        RaftUnavailableException noLeader = new RaftUnavailableException(Reason.NO_LEADER, "no leader");
        long start = System.nanoTime();
        await().atMost(ReadIndexBatcher.RETRY_WITHIN.plusSeconds(5)).pollInterval(Duration.ofMillis(5)).until(() -> {
            if (roundsAsked() > 0) {
                round(roundsAsked() - 1).completeExceptionally(noLeader);
            }
            return read.isDone();
        });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(ReadIndexBatcher.RETRY_WITHIN);
        assertThat(read.handle((v, e) -> e).join()).isSameAs(noLeader);
    }
}
