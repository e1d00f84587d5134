package dev.kinko.robustness;

import java.time.Duration;

/**
 * The wall clock of {@link Cluster#CLOCK_NODE} jumps by {@code offset} (the {@link WallClockShim}'s
 * offset file); heal jumps it back. Its monotonic clock (System.nanoTime, which
 * Ratis' timeouts use) is left alone, as on a machine whose NTP steps the clock.
 */
final class ClockJumpFault implements Fault {
    private final Cluster cluster;
    private final Duration offset;

    ClockJumpFault(Cluster cluster, Duration offset) {
        this.cluster = cluster;
        this.offset = offset;
    }

    @Override
    public String name() {
        return "clock-jump" + (offset.isNegative() ? "-" : "+") + offset.abs().toMinutes() + "m";
    }

    @Override
    public Duration hold() {
        return Duration.ofSeconds(6);
    }

    @Override
    public String unavailable() {
        return cluster.clockFile == null ? cluster.clockUnavailable : "";
    }

    @Override
    public void inject() throws Exception {
        WallClockShim.setOffset(cluster.clockFile, offset);
    }

    @Override
    public void heal() throws Exception {
        WallClockShim.setOffset(cluster.clockFile, Duration.ZERO);
    }

    @Override
    public String target() {
        String role = cluster.tokyo.leader().map(l -> l.id().equals(Cluster.CLOCK_NODE) ? "leader" : "follower").orElse("?");
        return Cluster.CLOCK_NODE + " (" + role + ") " + name().substring("clock-jump".length());
    }
}
