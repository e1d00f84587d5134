package dev.kinko.server.frontend;

import java.time.Clock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's time, made safe against a jump of this node's wall clock (an NTP step, an
 * operator, libfaketime):
 * <ul>
 *   <li>{@link #stamp()}, the time a command carries (created and changed dates, deletion
 *       dates), never goes backwards: after a backward jump it stays at the last stamp until
 *       the clock catches up;</li>
 *   <li>{@link #housekeepingNow()}, the time that decides what is purged and which request ids
 *       are forgotten, never runs ahead of monotonic time: a forward jump cannot purge a
 *       secret before its recovery window ends, nor forget a request id a client may still
 *       retry with. It follows the wall clock again once that is back in step (a backward
 *       jump only delays housekeeping, which is safe).</li>
 * </ul>
 * Monotonic time ({@link System#nanoTime()}) does not jump when the wall clock is set; the
 * Ratis election timers and the leader lease run on it too.
 */
public final class LeaderClock {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderClock.class);

    /** The wall clock may run this far ahead of monotonic time before housekeeping stops following it. */
    public static final long JUMP_TOLERANCE_MILLIS = 2_000;

    /** A clock that also tells monotonic time (tests: time passing moves both, a jump only the wall). */
    public interface Monotonic {
        long nanoTime();
    }

    private final Clock wall;
    private final LongSupplier nanos;
    private long lastStamp = Long.MIN_VALUE;
    private long anchorWall;
    private long anchorNanos;
    private boolean ahead;

    public LeaderClock(Clock wall) {
        this.wall = wall;
        this.nanos = wall instanceof Monotonic m ? m::nanoTime : System::nanoTime;
        this.anchorWall = wall.millis();
        this.anchorNanos = nanos.getAsLong();
    }

    /** The time for a new command: the wall clock, but never earlier than the last stamp. */
    public synchronized long stamp() {
        lastStamp = Math.max(lastStamp, wall.millis());
        return lastStamp;
    }

    /** The time for purges and forgetting: the wall clock, but never ahead of monotonic time since it was last in step. */
    public synchronized long housekeepingNow() {
        long w = wall.millis();
        long n = nanos.getAsLong();
        long steady = anchorWall + (n - anchorNanos) / 1_000_000;
        if (w <= steady + JUMP_TOLERANCE_MILLIS) {
            if (ahead) {
                LOG.info("the wall clock is back in step with monotonic time; housekeeping follows it again");
                ahead = false;
            }
            anchorWall = w;
            anchorNanos = n;
            return w;
        }
        if (!ahead) {
            LOG.warn("the wall clock jumped {} ms ahead of monotonic time; purges and forgetting of request ids "
                    + "keep to monotonic time until it is back in step", w - steady);
            ahead = true;
        }
        return steady;
    }
}
