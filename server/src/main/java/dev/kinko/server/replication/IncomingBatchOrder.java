package dev.kinko.server.replication;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.SourceRecord;
import dev.kinko.proto.replication.v1.ApplyReplicationBatchRequest;
import dev.kinko.server.domain.SourceRules;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Proposes each source region's batches through this region's Raft in journal order, so a
 * shipper may keep several batches in flight: calls can overtake each other on the way (gRPC's
 * executor threads, a forward from a follower), and the apply refuses a batch whose predecessor
 * is not applied yet. A batch that arrives before its predecessor waits here, at most
 * {@link #MAX_WAIT_MILLIS}, and is proposed right behind it; group commit keeps that order in the
 * Raft log. After the wait it is refused as a gap ({@code REPLICA_GAP}): the shipper goes back
 * to what this region has applied.
 *
 * <p>What was proposed here is only a hint for when to propose: the apply still checks each
 * batch against what was applied (and skips what is there already), so a proposal lost in a
 * leader change costs a retry, never a change.
 */
final class IncomingBatchOrder {
    /** How long a batch waits for its predecessor: well inside the shipper's deadline (10 s). */
    static final long MAX_WAIT_MILLIS = 5_000;
    /** Batches of one source waiting at most; one more is refused at once (a shipper keeps fewer in flight). */
    static final int MAX_WAITING = 2 * ShippingSettings.MAX_BATCHES_IN_FLIGHT;

    private final String region;
    private final Function<String, SourceRecord> sources;
    private final long maxWaitMillis;
    private final Map<String, Source> bySource = new HashMap<>();

    /** {@code sources}: what this region holds from a source region now (its applied sequence). */
    IncomingBatchOrder(String region, Function<String, SourceRecord> sources) {
        this(region, sources, MAX_WAIT_MILLIS);
    }

    IncomingBatchOrder(String region, Function<String, SourceRecord> sources, long maxWaitMillis) {
        this.region = region;
        this.sources = sources;
        this.maxWaitMillis = maxWaitMillis;
    }

    private static final class Source {
        /** The last sequence of the batches proposed here that have not failed; -1 for none. */
        long proposedThrough = -1;
        final TreeMap<Long, Waiting> waiting = new TreeMap<>();
    }

    private record Waiting(long firstSeq, long lastSeq, Supplier<CompletableFuture<CommandResult>> propose,
                           CompletableFuture<CommandResult> result) {}

    /**
     * Proposes {@code batch} once every batch before it was proposed here or applied. One that
     * does not follow them waits only when its shipper says the one before it is unanswered
     * ({@code after_unanswered}); otherwise it is a gap at once, as for a region restored from a
     * backup. A re-seed batch is proposed at once: it is not in journal order, and its shipper
     * sends one at a time.
     */
    CompletableFuture<CommandResult> propose(ApplyReplicationBatchRequest batch,
                                             Supplier<CompletableFuture<CommandResult>> propose) {
        String source = batch.getSourceRegion();
        long firstSeq = batch.getFirstSeq();
        Waiting w = new Waiting(firstSeq, batch.getLastSeq(), propose, new CompletableFuture<>());
        synchronized (this) {
            Source s = bySource.computeIfAbsent(source, k -> new Source());
            if (batch.getReseed()) {
                s.proposedThrough = -1; // a full copy may set the applied sequence back (a restored source)
                submit(source, s, w, false);
                return w.result();
            }
            if (firstSeq <= next(source, s)) {
                submit(source, s, w, true);
                release(source, s);
                return w.result();
            }
            if (!batch.getAfterUnanswered() || s.waiting.size() >= MAX_WAITING || s.waiting.containsKey(firstSeq)) {
                refuseAsGap(source, firstSeq, w.result());
                return w.result();
            }
            s.waiting.put(firstSeq, w);
        }
        CompletableFuture.delayedExecutor(maxWaitMillis, TimeUnit.MILLISECONDS)
                .execute(() -> expire(source, firstSeq, w.result()));
        return w.result();
    }

    /** The first sequence the next batch of {@code source} may start at to be proposed now. */
    private long next(String source, Source s) {
        return Math.max(sources.apply(source).getAppliedSeq(), s.proposedThrough) + 1;
    }

    /** Proposes the waiting batches that now follow what was proposed, in order. */
    private void release(String source, Source s) {
        Map.Entry<Long, Waiting> first;
        while ((first = s.waiting.firstEntry()) != null && first.getKey() <= next(source, s)) {
            s.waiting.pollFirstEntry();
            submit(source, s, first.getValue(), true);
        }
    }

    private void submit(String source, Source s, Waiting w, boolean inOrder) {
        CompletableFuture<CommandResult> proposed;
        try {
            proposed = w.propose().get();
        } catch (RuntimeException e) {
            proposed = CompletableFuture.failedFuture(e);
        }
        if (inOrder) {
            s.proposedThrough = Math.max(s.proposedThrough, w.lastSeq());
        }
        proposed.whenComplete((r, e) -> {
            if (e != null) {
                failed(source, w.lastSeq());
                w.result().completeExceptionally(e);
            } else {
                w.result().complete(r);
            }
        });
    }

    /** A proposal failed: later batches must wait for a retry of it, or for what the apply says. */
    private synchronized void failed(String source, long lastSeq) {
        Source s = bySource.get(source);
        if (s != null && s.proposedThrough >= lastSeq) {
            s.proposedThrough = -1;
        }
    }

    /** The wait is over: proposed if it follows what is applied now (a new leader applied its predecessor), else a gap. */
    private void expire(String source, long firstSeq, CompletableFuture<CommandResult> result) {
        synchronized (this) {
            Source s = bySource.get(source);
            Waiting w = s == null ? null : s.waiting.get(firstSeq);
            if (w == null || w.result() != result) {
                return; // proposed meanwhile
            }
            s.waiting.remove(firstSeq);
            if (firstSeq <= next(source, s)) {
                submit(source, s, w, true);
                release(source, s);
                return;
            }
        }
        refuseAsGap(source, firstSeq, result);
    }

    private void refuseAsGap(String source, long firstSeq, CompletableFuture<CommandResult> result) {
        try {
            SourceRules.checkNoGap(region, sources.apply(source), firstSeq, false);
            // not reached for a batch that waited: it did not follow what was applied
            result.completeExceptionally(new IllegalStateException("region " + source + "'s batch from sequence "
                    + firstSeq + " arrived while one with the same start was waiting"));
        } catch (RuntimeException gap) {
            result.completeExceptionally(gap);
        }
    }
}
