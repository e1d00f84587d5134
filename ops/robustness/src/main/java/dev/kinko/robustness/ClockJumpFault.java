package dev.kinko.robustness;

import java.nio.file.Files;
import java.time.Duration;

/**
 * The wall clock of {@link Cluster#CLOCK_NODE} jumps by {@code offset} (libfaketime's offset file,
 * e.g. {@code +2h} or {@code -10m}); heal jumps it back. Its monotonic clock (System.nanoTime, which
 * Ratis' timeouts use) is left alone, as on a machine whose NTP steps the clock.
 */
final class ClockJumpFault implements Fault {
    private final Cluster cluster;
    private final String offset;

    ClockJumpFault(Cluster cluster, String offset) {
        this.cluster = cluster;
        this.offset = offset;
    }

    @Override
    public String name() {
        return "clock-jump" + offset;
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
        Files.writeString(cluster.clockFile, offset + "\n");
    }

    @Override
    public void heal() throws Exception {
        Files.writeString(cluster.clockFile, "+0\n");
    }

    @Override
    public String target() {
        String role = cluster.tokyo.leader().map(l -> l.id().equals(Cluster.CLOCK_NODE) ? "leader" : "follower").orElse("?");
        return Cluster.CLOCK_NODE + " (" + role + ") " + offset;
    }
}
