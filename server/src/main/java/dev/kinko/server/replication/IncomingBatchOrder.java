package dev.kinko.server.replication;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.SourceRecord;
import dev.kinko.proto.replication.v1.ApplyReplicationBatchRequest;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.SourceRules;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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
 * Raft log. After the wait it is refused as a gap ({@code REPLICA_GAP} with the applied sequence):
 * the shipper sends again from its last answer, or from the applied sequence if that is lower (a
 * region restored from a backup).
 *
 * <p>What was proposed here is only a hint for when to propose: the apply still checks each
 * batch against what was applied (and skips what is there already), so a proposal lost in a
 * leader change costs a retry, never a change. Refusals are completed outside the lock.
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
        /** The last sequence of the batches proposed here in order and not failed; -1 for none. */
        long proposedThrough = -1;
        final TreeMap<Long, Waiting> waiting = new TreeMap<>();
    }

    private record Waiting(long firstSeq, long lastSeq, Supplier<CompletableFuture<CommandResult>> propose,
                           CompletableFuture<CommandResult> result) {}

    /** A result to complete once the lock is released. */
    private record Refusal(CompletableFuture<CommandResult> result, RuntimeException error) {}

    /**
     * Refuses at once, before its keys are opened, a batch that neither follows what was applied
     * or proposed here nor may wait ({@code after_unanswered}): a gap, as for a region restored
     * from a backup.
     */
    synchronized void admit(ApplyReplicationBatchRequest batch) {
        if (!batch.getReseed() && !batch.getAfterUnanswered()) {
            Source s = bySource.get(batch.getSourceRegion());
            long proposed = s == null ? -1 : s.proposedThrough;
            if (batch.getFirstSeq() > proposed + 1) {
                SourceRules.checkNoGap(region, sources.apply(batch.getSourceRegion()), batch.getFirstSeq(), false);
            }
        }
    }

    /**
     * Proposes {@code batch} once every batch before it was proposed here or applied. One that
     * does not follow them waits only when its shipper says the one before it is unanswered
     * ({@code after_unanswered}); otherwise it is a gap at once. A re-seed batch is proposed at
     * once (it is not in journal order, and its shipper sends one at a time), and the batches
     * still waiting from before it are refused: they were built before the full copy.
     */
    CompletableFuture<CommandResult> propose(ApplyReplicationBatchRequest batch,
                                             Supplier<CompletableFuture<CommandResult>> propose) {
        String source = batch.getSourceRegion();
        long firstSeq = batch.getFirstSeq();
        Waiting w = new Waiting(firstSeq, batch.getLastSeq(), propose, new CompletableFuture<>());
        List<Refusal> refused = new ArrayList<>();
        boolean waits = false;
        synchronized (this) {
            Source s = bySource.computeIfAbsent(source, k -> new Source());
            if (batch.getReseed()) {
                s.proposedThrough = -1; // a full copy may set the applied sequence back (a restored source)
                s.waiting.values().forEach(old -> refused.add(gap(source, old)));
                s.waiting.clear();
                submit(source, s, w, false);
            } else if (firstSeq <= next(source, s)) {
                submit(source, s, w, true);
                release(source, s);
            } else if (!batch.getAfterUnanswered() || s.waiting.size() >= MAX_WAITING && !s.waiting.containsKey(firstSeq)) {
                refused.add(gap(source, w));
            } else {
                Waiting stale = s.waiting.put(firstSeq, w); // a batch sent again replaces its cancelled copy
                if (stale != null) {
                    refused.add(gap(source, stale));
                }
                waits = true;
            }
        }
        refused.forEach(r -> r.result().completeExceptionally(r.error()));
        if (waits) {
            CompletableFuture.delayedExecutor(maxWaitMillis, TimeUnit.MILLISECONDS).execute(() -> expire(source, w));
        }
        return w.result();
    }

    /** The first sequence the next batch of {@code source} may start at to be proposed now. */
    private long next(String source, Source s) {
        return Math.max(sources.apply(source).getAppliedSeq(), s.proposedThrough) + 1;
    }

    /** Proposes the waiting batches that now follow what was proposed or applied, in order. */
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
            settled(source, e == null ? -1 : w.firstSeq());
            if (e != null) {
                w.result().completeExceptionally(e);
            } else {
                w.result().complete(r);
            }
        });
    }

    /**
     * A proposal finished: what it applied may let a waiting batch go. One that failed
     * ({@code failedFrom} is its first sequence) was not proposed after all, nor anything after it.
     */
    private synchronized void settled(String source, long failedFrom) {
        Source s = bySource.get(source);
        if (s == null) {
            return;
        }
        if (failedFrom >= 0) {
            s.proposedThrough = Math.min(s.proposedThrough, failedFrom - 1);
        }
        release(source, s);
    }

    /** The wait is over: proposed if it now follows what was applied or proposed, else a gap. */
    private void expire(String source, Waiting w) {
        Refusal refusal;
        synchronized (this) {
            Source s = bySource.get(source);
            if (s == null || s.waiting.get(w.firstSeq()) != w) {
                return; // proposed or refused meanwhile
            }
            s.waiting.remove(w.firstSeq());
            if (w.firstSeq() <= next(source, s)) {
                submit(source, s, w, true);
                release(source, s);
                return;
            }
            refusal = gap(source, w);
        }
        refusal.result().completeExceptionally(refusal.error());
    }

    /** The refusal of a batch that does not follow what was applied or proposed here: a gap, with the applied sequence. */
    private Refusal gap(String source, Waiting w) {
        SourceRecord from = sources.apply(source);
        try {
            SourceRules.checkNoGap(region, from, w.firstSeq(), false);
            return new Refusal(w.result(), new KinkoException(Reason.REPLICA_GAP, "region " + region
                    + " passed over region " + source + "'s batch from sequence " + w.firstSeq()
                    + " (sent again, or built before a full copy); send again from what it applied, sequence "
                    + from.getAppliedSeq(), Map.of(KinkoException.APPLIED_SEQ, Long.toString(from.getAppliedSeq()))));
        } catch (KinkoException gap) {
            return new Refusal(w.result(), gap);
        }
    }
}
