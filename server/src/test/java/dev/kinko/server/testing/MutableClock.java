package dev.kinko.server.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock tests can move: the real time plus an offset. {@link #advance} is time passing (the
 * wall clock and monotonic time move together); {@link #jump} sets the wall clock alone, as an
 * NTP step or libfaketime does.
 */
public final class MutableClock extends Clock implements dev.kinko.server.frontend.JumpSafeClock.Monotonic {
    private final AtomicLong offsetMillis = new AtomicLong();
    private final AtomicLong monotonicOffsetNanos = new AtomicLong();

    public void advance(Duration d) {
        offsetMillis.addAndGet(d.toMillis());
        monotonicOffsetNanos.addAndGet(d.toNanos());
    }

    /** The wall clock jumps (forward or, with a negative duration, back); monotonic time does not. */
    public void jump(Duration d) {
        offsetMillis.addAndGet(d.toMillis());
    }

    @Override
    public long nanoTime() {
        return System.nanoTime() + monotonicOffsetNanos.get();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public long millis() {
        return System.currentTimeMillis() + offsetMillis.get();
    }
}
