package dev.kinko.server.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.SourceRecord;
import dev.kinko.proto.replication.v1.ApplyReplicationBatchRequest;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The order in which a replica region's leader proposes a source's batches: journal order,
 * whatever order they arrive in; a batch whose predecessor does not come is refused as a gap.
 */
class IncomingBatchOrderTest {
    /** The wait of {@link #expiring}: short, for the tests that wait it out. */
    private static final long SHORT_WAIT_MILLIS = 300;
    private final AtomicLong applied = new AtomicLong();
    private final List<String> proposed = new CopyOnWriteArrayList<>();
    /** With the product's wait (5 s): what waits is still waiting when a test looks, however slow the machine. */
    private final IncomingBatchOrder order = new IncomingBatchOrder("osaka",
            source -> SourceRecord.newBuilder().setRegion(source).setAppliedSeq(applied.get()).build());
    private final IncomingBatchOrder expiring = new IncomingBatchOrder("osaka",
            source -> SourceRecord.newBuilder().setRegion(source).setAppliedSeq(applied.get()).build(), SHORT_WAIT_MILLIS);

    /** A proposal that is recorded and then completes as {@code outcome} does. */
    private Supplier<CompletableFuture<CommandResult>> proposal(String name, CompletableFuture<CommandResult> outcome) {
        return () -> {
            proposed.add(name);
            return outcome;
        };
    }

    /** A batch sent while the one before it is unanswered: it may wait for it. */
    private static ApplyReplicationBatchRequest following(String source, long firstSeq, long lastSeq) {
        return first(source, firstSeq, lastSeq).toBuilder().setAfterUnanswered(true).build();
    }

    /** A batch sent with nothing unanswered before it. */
    private static ApplyReplicationBatchRequest first(String source, long firstSeq, long lastSeq) {
        return ApplyReplicationBatchRequest.newBuilder().setSourceRegion(source).setFirstSeq(firstSeq)
                .setLastSeq(lastSeq).build();
    }

    private static ApplyReplicationBatchRequest reseed(String source, long firstSeq, long lastSeq) {
        return first(source, firstSeq, lastSeq).toBuilder().setReseed(true).build();
    }

    private Supplier<CompletableFuture<CommandResult>> proposal(String name) {
        return proposal(name, CompletableFuture.completedFuture(CommandResult.getDefaultInstance()));
    }

    @Test
    void batchesThatArriveOutOfOrderAreProposedInJournalOrder() throws Exception {
        CompletableFuture<CommandResult> third = order.propose(following("tokyo", 21, 30), proposal("21-30"));
        CompletableFuture<CommandResult> second = order.propose(following("tokyo", 11, 20), proposal("11-20"));
        assertThat(proposed).isEmpty();
        assertThat(third).isNotDone();
        CompletableFuture<CommandResult> first = order.propose(following("tokyo", 1, 10), proposal("1-10"));
        assertThat(proposed).containsExactly("1-10", "11-20", "21-30");
        for (CompletableFuture<CommandResult> f : List.of(first, second, third)) {
            assertThat(f.get(1, TimeUnit.SECONDS)).isNotNull();
        }
        // each source has its own order
        order.propose(following("nagoya", 1, 5), proposal("nagoya 1-5")).get(1, TimeUnit.SECONDS);
        assertThat(proposed).last().isEqualTo("nagoya 1-5");
    }

    @Test
    void aBatchRightAfterWhatWasAppliedOrProposedGoesAtOnceAndARetryOfAProposedOneToo() throws Exception {
        applied.set(40);
        order.propose(first("tokyo", 41, 50), proposal("41-50")).get(1, TimeUnit.SECONDS);
        // not applied yet (applied is still 40): the next follows what was proposed
        order.propose(following("tokyo", 51, 60), proposal("51-60")).get(1, TimeUnit.SECONDS);
        // sent again after a lost answer: proposed again, and the apply skips what it has
        order.propose(first("tokyo", 41, 50), proposal("41-50 again")).get(1, TimeUnit.SECONDS);
        assertThat(proposed).containsExactly("41-50", "51-60", "41-50 again");
    }

    @Test
    void aBatchWhosePredecessorNeverComesIsRefusedAsAGapAfterTheWait() {
        applied.set(7);
        CompletableFuture<CommandResult> orphan = expiring.propose(following("tokyo", 20, 30), proposal("20-30"));
        assertThat(orphan).failsWithin(SHORT_WAIT_MILLIS * 20, TimeUnit.MILLISECONDS).withThrowableThat()
                .havingRootCause().isInstanceOf(KinkoException.class)
                .matches(e -> ((KinkoException) e).reason() == Reason.REPLICA_GAP)
                .withMessageContaining("up to sequence 7, the batch starts at 20");
        assertThat(proposed).isEmpty();
    }

    @Test
    void aBatchThatDoesNotFollowWhatWasAppliedIsAGapAtOnceWhenNothingBeforeItIsUnanswered() {
        applied.set(7); // e.g. this region was restored from a backup and the shipper does not know yet
        CompletableFuture<CommandResult> ahead = order.propose(first("tokyo", 20, 30), proposal("20-30"));
        assertThat(ahead).isCompletedExceptionally();
        assertThat(ahead).failsWithin(0, TimeUnit.MILLISECONDS).withThrowableThat().havingRootCause()
                .matches(e -> e instanceof KinkoException k && k.reason() == Reason.REPLICA_GAP);
        assertThat(proposed).isEmpty();
    }

    @Test
    void aWaitingBatchWhosePredecessorWasAppliedElsewhereIsProposedAtTheEndOfItsWait() throws Exception {
        // a wait long enough that the test thread always sets `applied` before it ends
        IncomingBatchOrder twoSeconds = new IncomingBatchOrder("osaka",
                source -> SourceRecord.newBuilder().setRegion(source).setAppliedSeq(applied.get()).build(), 2_000);
        CompletableFuture<CommandResult> waiting = twoSeconds.propose(following("tokyo", 11, 20), proposal("11-20"));
        applied.set(10); // a leader before this one applied 1-10
        assertThat(waiting.get(20, TimeUnit.SECONDS)).isNotNull();
        assertThat(proposed).containsExactly("11-20");
    }

    @Test
    void afterAFailedProposalTheNextBatchesWaitForItsRetry() throws Exception {
        CompletableFuture<CommandResult> lost = new CompletableFuture<>();
        CompletableFuture<CommandResult> first = order.propose(following("tokyo", 1, 10), proposal("1-10", lost));
        lost.completeExceptionally(new IllegalStateException("leader changed"));
        assertThat(first).isCompletedExceptionally();
        CompletableFuture<CommandResult> second = order.propose(following("tokyo", 11, 20), proposal("11-20"));
        assertThat(second).isNotDone(); // 1-10 is neither applied nor proposed any more
        order.propose(first("tokyo", 1, 10), proposal("1-10 again")).get(1, TimeUnit.SECONDS);
        second.get(1, TimeUnit.SECONDS);
        assertThat(proposed).containsExactly("1-10", "1-10 again", "11-20");
    }

    @Test
    void aReseedBatchGoesAtOnceWhateverItsSequence() throws Exception {
        order.propose(reseed("tokyo", 0, 500), proposal("re-seed")).get(1, TimeUnit.SECONDS);
        assertThat(proposed).containsExactly("re-seed");
    }

    @Test
    void aFailedProposalLetsTheBatchesBeforeItStandAndOnlyThoseAfterItWait() throws Exception {
        CompletableFuture<CommandResult> lost = new CompletableFuture<>();
        order.propose(first("tokyo", 1, 10), proposal("1-10", new CompletableFuture<>())); // proposed, not yet applied
        CompletableFuture<CommandResult> second = order.propose(following("tokyo", 11, 20), proposal("11-20", lost));
        lost.completeExceptionally(new IllegalStateException("refused"));
        assertThat(second).isCompletedExceptionally();
        // 1-10 is still proposed: the retry of 11-20 follows it at once, and 21-30 behind that
        order.propose(first("tokyo", 11, 20), proposal("11-20 again")).get(1, TimeUnit.SECONDS);
        order.propose(following("tokyo", 21, 30), proposal("21-30")).get(1, TimeUnit.SECONDS);
        assertThat(proposed).containsExactly("1-10", "11-20", "11-20 again", "21-30");
    }

    @Test
    void aReseedRefusesTheBatchesStillWaitingFromBeforeIt() {
        CompletableFuture<CommandResult> waiting = order.propose(following("tokyo", 11, 20), proposal("11-20"));
        order.propose(reseed("tokyo", 0, 500), proposal("re-seed"));
        assertThat(waiting).failsWithin(0, TimeUnit.MILLISECONDS).withThrowableThat().havingRootCause()
                .matches(e -> e instanceof KinkoException k && k.reason() == Reason.REPLICA_GAP);
        assertThat(proposed).containsExactly("re-seed");
    }

    @Test
    void aBatchSentAgainReplacesItsWaitingCopy() throws Exception {
        CompletableFuture<CommandResult> copy = order.propose(following("tokyo", 11, 20), proposal("11-20"));
        CompletableFuture<CommandResult> again = order.propose(following("tokyo", 11, 20), proposal("11-20 again"));
        assertThat(copy).failsWithin(0, TimeUnit.MILLISECONDS).withThrowableThat().havingRootCause()
                .matches(e -> e instanceof KinkoException k && k.reason() == Reason.REPLICA_GAP);
        order.propose(first("tokyo", 1, 10), proposal("1-10"));
        again.get(1, TimeUnit.SECONDS);
        assertThat(proposed).containsExactly("1-10", "11-20 again");
    }

    @Test
    void aGapThatMayNotWaitIsRefusedBeforeItsKeysAreOpened() {
        applied.set(7);
        assertThatThrownBy(() -> order.admit(first("tokyo", 20, 30))).isInstanceOf(KinkoException.class)
                .matches(e -> ((KinkoException) e).reason() == Reason.REPLICA_GAP);
        order.admit(first("tokyo", 8, 30)); // follows what was applied
        order.admit(following("tokyo", 20, 30)); // may wait for the one before it
        order.admit(reseed("tokyo", 0, 30));
    }

    @Test
    void atMostMaxWaitingBatchesOfASourceWaitAndOneMoreIsRefusedAtOnce() {
        List<CompletableFuture<CommandResult>> waiting = new CopyOnWriteArrayList<>();
        for (int i = 0; i < IncomingBatchOrder.MAX_WAITING; i++) {
            waiting.add(order.propose(following("tokyo", 100 + 10L * i, 109 + 10L * i), proposal("waits " + i)));
        }
        assertThat(waiting).allMatch(f -> !f.isDone());
        CompletableFuture<CommandResult> oneMore = order.propose(following("tokyo", 900, 909), proposal("one more"));
        assertThat(oneMore).isCompletedExceptionally();
        assertThat(oneMore).failsWithin(0, TimeUnit.MILLISECONDS).withThrowableThat().havingRootCause()
                .matches(e -> e instanceof KinkoException k && k.reason() == Reason.REPLICA_GAP);
        assertThat(waiting).allMatch(f -> !f.isDone());
        // another source still has its own room
        assertThat(order.propose(following("nagoya", 50, 59), proposal("nagoya waits"))).isNotDone();
        assertThat(proposed).isEmpty();
    }
}
