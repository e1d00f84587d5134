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
    static final Set<Status.Code> RETRYABLE = Set.of(Status.Code.UNAVAILABLE, Status.Code.ABORTED);
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

    /** Runs the call across the region's nodes and tells the region health whether the region answered. */
    <T> T withRetries(Region region, Function<ManagedChannel, T> call) {
        T result;
        try {
            result = acrossNodes(region, call);
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
    private <T> T acrossNodes(Region region, Function<ManagedChannel, T> call) {
        long backoff = initialBackoff.toMillis();
        for (int attempt = 1; ; attempt++) {
            int node = region.preferred();
            try {
                return call.apply(region.channels.get(node));
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                boolean overloaded = overloaded(e);
                boolean retryable = RETRYABLE.contains(code) || overloaded;
                if (UNREACHABLE.contains(code) || overloaded) {
                    region.moveOn(node); // an overloaded node's neighbours may have room
                }
                if (!retryable || attempt >= maxAttempts) {
                    throw e;
                }
            }
            sleep(ThreadLocalRandom.current().nextLong(backoff / 2, backoff + 1));
            backoff = Math.min(backoff * 2, KinkoClient.MAX_BACKOFF.toMillis());
        }
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
