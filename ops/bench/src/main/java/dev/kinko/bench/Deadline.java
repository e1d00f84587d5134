package dev.kinko.bench;

import java.time.Duration;

/** When a phase of a bench must be done; {@link #check} fails the phase once it passed. */
public final class Deadline {
    /** A phase that ran out of time or found something it cannot go on from; the bench records it and goes on. */
    public static final class Failed extends RuntimeException {
        Failed(String message) {
            super(message);
        }
    }

    private final long endNanos;
    private final String what;

    private Deadline(long endNanos, String what) {
        this.endNanos = endNanos;
        this.what = what;
    }

    public static Deadline after(Duration d, String what) {
        return new Deadline(System.nanoTime() + d.toNanos(), what);
    }

    /** The earlier of the two. */
    public Deadline min(Deadline other) {
        return other.endNanos - endNanos < 0 ? other : this;
    }

    public boolean passed() {
        return System.nanoTime() - endNanos > 0;
    }

    public Duration remaining() {
        return Duration.ofNanos(Math.max(0, endNanos - System.nanoTime()));
    }

    public void check(String doing) {
        if (passed()) {
            throw new Failed(what + " passed while " + doing);
        }
    }
}
