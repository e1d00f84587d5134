package dev.kinko.server.frontend;

import java.time.Clock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's wall clock, made safe against a jump (an NTP step, an operator, libfaketime) for
 * each decision it drives:
 * <ul>
 *   <li>{@link #stamp()}, the time a command carries (created and changed dates, deletion
 *       dates), never goes backwards: after a backward jump it stays at the last stamp until
 *       the clock catches up;</li>
 *   <li>{@link #housekeepingNow()}, the time that decides what is purged and which request ids
 *       are forgotten, never runs ahead of monotonic time: a forward jump cannot purge a
 *       secret before its recovery window ends, nor forget a request id a client may still
 *       retry with (a backward jump only delays them, which is safe);</li>
 *   <li>{@link #expiryNow()}, the time that decides whether a token expired, never falls behind
 *       monotonic time: a backward jump cannot keep an expired token alive (a forward jump
 *       expires tokens early on this node, which is safe).</li>
 * </ul>
 * Each follows the wall clock again once it is back in step, and closes a gap that stays at
 * {@link #SLEW_PER_MILLE}. Monotonic time
 * ({@link System#nanoTime()}) does not move when the wall clock is set; Ratis' election timers
 * and leader lease run on it too.
 */
public final class JumpSafeClock {
    private static final Logger LOG = LoggerFactory.getLogger(JumpSafeClock.class);

    /** How far the wall clock may stray from monotonic time before it counts as a jump. */
    public static final long JUMP_TOLERANCE_MILLIS = 2_000;

    /**
     * After a jump the guarded time closes the gap at this rate (per mille of the time passing),
     * so a clock that was stepped on purpose (NTP correcting a wrong clock after boot) is
     * followed again in the end; what a jump of J can hasten stays below min(J, 1 % of the time since).
     */
    public static final long SLEW_PER_MILLE = 10;

    /** A clock that also tells monotonic time (tests: time passing moves both, a jump only the wall). */
    public interface Monotonic {
        long nanoTime();
    }

    private final Clock wall;
    private final LongSupplier nanos;
    private long lastStamp = Long.MIN_VALUE;
    private final Steady notAhead = new Steady(true);
    private final Steady notBehind = new Steady(false);

    public JumpSafeClock(Clock wall) {
        this.wall = wall;
        this.nanos = wall instanceof Monotonic m ? m::nanoTime : System::nanoTime;
        long w = wall.millis();
        long n = nanos.getAsLong();
        notAhead.anchor(w, n);
        notBehind.anchor(w, n);
    }

    /** The time for a new command: the wall clock, but never earlier than the last stamp. */
    public synchronized long stamp() {
        lastStamp = Math.max(lastStamp, wall.millis());
        return lastStamp;
    }

    /** The time for purges and forgetting: the wall clock, never ahead of monotonic time since it was in step. */
    public synchronized long housekeepingNow() {
        return notAhead.now(wall.millis(), nanos.getAsLong());
    }

    /** The time for expiry: the wall clock, never behind monotonic time since it was in step. */
    public synchronized long expiryNow() {
        return notBehind.now(wall.millis(), nanos.getAsLong());
    }

    /** Wall time extrapolated by monotonic time from the last moment the two were in step. */
    private static final class Steady {
        private final boolean capAhead;
        private long anchorWall;
        private long anchorNanos;
        private boolean jumped;

        Steady(boolean capAhead) {
            this.capAhead = capAhead;
        }

        void anchor(long w, long n) {
            anchorWall = w;
            anchorNanos = n;
        }

        long now(long w, long n) {
            long elapsed = (n - anchorNanos) / 1_000_000;
            long steady = anchorWall + elapsed + (capAhead ? 1 : -1) * elapsed * SLEW_PER_MILLE / 1000;
            boolean safe = capAhead ? w <= steady + JUMP_TOLERANCE_MILLIS : w >= steady - JUMP_TOLERANCE_MILLIS;
            if (safe) {
                if (jumped) {
                    LOG.info("the wall clock is in step with monotonic time again; {} follows it", what());
                    jumped = false;
                }
                anchor(w, n);
                return w;
            }
            if (!jumped) {
                LOG.warn("the wall clock jumped {} ms {} monotonic time; {} keeps to monotonic time until it is "
                        + "back in step", Math.abs(w - steady), capAhead ? "ahead of" : "behind", what());
                jumped = true;
            }
            return steady;
        }

        private String what() {
            return capAhead ? "purging and forgetting request ids" : "token expiry";
        }
    }
}
