package dev.kinko.client;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Which regions a client's reads should leave for last. Finding a down region out costs a read
 * its node retries and backoff (seconds), so a region whose call failed as unreachable rests
 * for a cool-off and reads go straight to the next region. The rest ends at
 * {@code failure + coolOff} exactly: the first read that asks then probes the region; its
 * answer marks the region up again, or rests it for another cool-off.
 */
final class RegionHealth {
    private static final System.Logger LOG = System.getLogger(RegionHealth.class.getName());

    /** What a read does with a region now. */
    enum Turn {
        /** Not known to be down: try it in its place. */
        TRY,
        /** Its cool-off is over and this caller probes it in its place. */
        PROBE,
        /** Cooling off (or another read is probing it): try it only after every other region. */
        REST
    }

    private final Duration coolOff;
    private final Clock clock;
    /** Region name -> when its rest ends; no entry while the region is up. Guarded by {@code this}. */
    private final Map<String, Instant> downUntil = new HashMap<>();

    RegionHealth(Duration coolOff, Clock clock) {
        if (coolOff.isNegative()) {
            throw new IllegalArgumentException("the region cool-off cannot be negative");
        }
        this.coolOff = coolOff;
        this.clock = Objects.requireNonNull(clock);
    }

    Duration coolOff() {
        return coolOff;
    }

    Turn turn(String region) {
        synchronized (this) {
            Instant until = downUntil.get(region);
            if (until == null) {
                return Turn.TRY;
            }
            Instant now = clock.instant();
            if (now.isBefore(until)) {
                return Turn.REST;
            }
            // one probe at a time: concurrent reads keep skipping the region until the probe reports
            downUntil.put(region, now.plus(coolOff));
            return Turn.PROBE;
        }
    }

    /** The region did not answer (after its node retries): rest it for the cool-off from now. */
    void markDown(String region) {
        boolean wasUp;
        synchronized (this) {
            wasUp = downUntil.put(region, clock.instant().plus(coolOff)) == null;
        }
        if (wasUp) {
            LOG.log(Level.WARNING, "region {0} is unreachable: reads try it last for {1}", region, coolOff);
        }
    }

    /** The region answered (a refusal is an answer too). */
    void markUp(String region) {
        boolean wasDown;
        synchronized (this) {
            wasDown = downUntil.remove(region) != null;
        }
        if (wasDown) {
            LOG.log(Level.INFO, "region {0} answers again: reads prefer it again", region);
        }
    }

    /** Whether the region is resting now (does not claim a probe). */
    synchronized boolean isDown(String region) {
        Instant until = downUntil.get(region);
        return until != null && clock.instant().isBefore(until);
    }

    @Override
    public synchronized String toString() {
        return "RegionHealth" + downUntil;
    }
}
