package dev.kinko.client;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * One region's nodes tried in turn, with exponential backoff and jitter while a node is down or
 * the region is between leaders; tells the region health whether the region answered.
 */
final class NodeRetries {
    /**
     * Codes retried when a status carries no ErrorInfo reason: UNAVAILABLE is the node itself out of
     * reach (connection refused, reset; the next node is tried), ABORTED a conflict worth another go.
     */
    static final Set<Status.Code> RETRYABLE = Set.of(Status.Code.UNAVAILABLE, Status.Code.ABORTED);
    /**
     * The ErrorInfo reasons retried on any call: the request did not take effect, or (a leader that
     * stepped down, a Raft timeout) takes effect at most once because every write the client sends
     * carries a request id and (where it has one) a client request token. Listed in the README.
     */
    static final Set<String> RETRYABLE_REASONS = Set.of("NO_LEADER", "NOT_LEADER", "NOT_READY",
            "LEADER_UNREACHABLE", "RAFT_TIMEOUT", "OVERLOADED", "AUDIT_UNAVAILABLE", "DISK_FULL", "SECRET_CHANGED",
            "REGION_KEY_CONFLICT");
    /**
     * Reasons retried only on an idempotent call (a read, or a write with a request id): the write may
     * have been committed, so a repeat is harmless only where the region deduplicates it.
     */
    static final Set<String> IF_IDEMPOTENT_REASONS = Set.of("FORWARD_OUTCOME_UNKNOWN", "DEADLINE_EXCEEDED");
    /**
     * Codes without ErrorInfo retried only on an idempotent call: the client's own deadline ran out
     * (the node may be paused: the next node is tried), or its connection broke mid-call (UNKNOWN,
     * e.g. "channel closed"): either way the call may have taken effect.
     */
    static final Set<Status.Code> IF_IDEMPOTENT_CODES = Set.of(Status.Code.DEADLINE_EXCEEDED, Status.Code.UNKNOWN);
    /**
     * The reason of a {@code RESOURCE_EXHAUSTED} that is retried too: a node's queue (its reads,
     * or the leader's writes) is full for now. Another reason (RATE_LIMITED) is the caller's own
     * limit and is not retried.
     */
    static final String OVERLOADED = "OVERLOADED";
    /** What makes a region count as unreachable (and a read move on to the next region). */
    static final Set<Status.Code> UNREACHABLE = Set.of(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED);

    private final int maxAttempts;
    private final Duration initialBackoff;
    private final RegionHealth health;

    NodeRetries(int maxAttempts, Duration initialBackoff, RegionHealth health) {
        this.maxAttempts = maxAttempts;
        this.initialBackoff = initialBackoff;
        this.health = health;
    }

    /** Runs an idempotent call (a read, or a write with a request id) across the region's nodes; see {@link #withRetries(Region, boolean, Function)}. */
    <T> T withRetries(Region region, Function<ManagedChannel, T> call) {
        return withRetries(region, true, call);
    }

    /**
     * Runs the call across the region's nodes and tells the region health whether the region
     * answered. {@code idempotent}: a repeat of the call is harmless (a read, or a write whose request
     * id the region deduplicates), so it is retried also when its outcome is unknown.
     */
    <T> T withRetries(Region region, boolean idempotent, Function<ManagedChannel, T> call) {
        return withRetries(region, idempotent, idempotent, call);
    }

    /**
     * As above; {@code deadlineOnNextNode}: a call whose deadline ran out is tried on the region's
     * next node (each node once). A read that another region can answer says false: it fails over
     * to that region after one deadline, not one per node.
     */
    <T> T withRetries(Region region, boolean idempotent, boolean deadlineOnNextNode, Function<ManagedChannel, T> call) {
        T result;
        try {
            result = acrossNodes(region, idempotent, idempotent && deadlineOnNextNode, call);
        } catch (StatusRuntimeException e) {
            if (UNREACHABLE.contains(e.getStatus().getCode())) {
                health.markDown(region.label());
            } else {
                health.markUp(region.label()); // a refusal is an answer
            }
            throw e;
        }
        health.markUp(region.label());
        return result;
    }

    /** Tries the region's nodes in turn; throws the last status when out of attempts or not retryable. */
    private <T> T acrossNodes(Region region, boolean idempotent, boolean deadlineOnNextNode,
                              Function<ManagedChannel, T> call) {
        long backoff = initialBackoff.toMillis();
        // a call that ran out of time on one node may do so on each: try every node once, not maxAttempts times
        int deadlinesLeft = region.channels.size() - 1;
        for (int attempt = 1; ; attempt++) {
            int node = region.preferred();
            try {
                return call.apply(region.channels.get(node));
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                boolean overloaded = overloaded(e);
                boolean deadline = code == Status.Code.DEADLINE_EXCEEDED;
                boolean retryable = retryable(e, idempotent) && (!deadline || deadlineOnNextNode && deadlinesLeft-- > 0);
                if (UNREACHABLE.contains(code) || overloaded || code == Status.Code.UNKNOWN) {
                    region.moveOn(node); // an overloaded node's neighbours may have room
                }
                if (!retryable || attempt >= maxAttempts) {
                    throw e;
                }
                if (deadline) {
                    continue; // the deadline was the wait: the next node at once
                }
            }
            sleep(ThreadLocalRandom.current().nextLong(backoff / 2, backoff + 1));
            backoff = Math.min(backoff * 2, KinkoClient.MAX_BACKOFF.toMillis());
        }
    }

    /** Whether a failed call may be tried again: by its ErrorInfo reason, or by its code when it has none. */
    static boolean retryable(StatusRuntimeException e, boolean idempotent) {
        String reason = ErrorTranslation.reason(e);
        if (!reason.isEmpty()) {
            return RETRYABLE_REASONS.contains(reason) || idempotent && IF_IDEMPOTENT_REASONS.contains(reason);
        }
        Status.Code code = e.getStatus().getCode();
        return RETRYABLE.contains(code) || idempotent && IF_IDEMPOTENT_CODES.contains(code);
    }

    static boolean overloaded(StatusRuntimeException e) {
        return e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED
                && OVERLOADED.equals(ErrorTranslation.reason(e));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KinkoException("INTERRUPTED", Status.Code.CANCELLED, "interrupted while retrying", e);
        }
    }
}
