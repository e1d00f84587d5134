package dev.kinko.server.rotation;

import java.time.Duration;

/**
 * How the primary region's leader runs rotations: attempts before a rotation is marked failed,
 * the first retry's backoff (doubling per attempt, at most {@link #MAX_RETRY_BACKOFF}), how
 * often due rotations are looked for, and how long an external rotator has to report a step.
 */
public record RotationSettings(int maxAttempts, Duration retryBackoff, Duration checkInterval,
                               Duration externalStepTimeout) {
    public static final Duration MAX_RETRY_BACKOFF = Duration.ofHours(1);
    public static final int MAX_ATTEMPTS_LIMIT = 100;

    public RotationSettings {
        if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS_LIMIT) {
            throw new IllegalArgumentException("rotation.max_attempts must be 1-" + MAX_ATTEMPTS_LIMIT);
        }
        if (retryBackoff.isNegative() || checkInterval.isNegative() || checkInterval.isZero()
                || externalStepTimeout.isNegative() || externalStepTimeout.isZero()) {
            throw new IllegalArgumentException("rotation durations must be positive");
        }
    }

    public static RotationSettings defaults() {
        return new RotationSettings(5, Duration.ofMinutes(1), Duration.ofSeconds(1), Duration.ofMinutes(5));
    }

    /** The wait before attempt {@code failedAttempt} + 1. */
    public Duration backoff(int failedAttempt) {
        Duration d = retryBackoff;
        for (int i = 1; i < failedAttempt && d.compareTo(MAX_RETRY_BACKOFF) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(MAX_RETRY_BACKOFF) > 0 ? MAX_RETRY_BACKOFF : d;
    }
}
