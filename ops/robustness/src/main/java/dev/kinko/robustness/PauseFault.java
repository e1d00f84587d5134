package dev.kinko.robustness;

import dev.kinko.bench.LocalRegion.Node;
import java.time.Duration;

/** SIGSTOP of tokyo's leader for {@link #HOLD}, then SIGCONT: a leader that hangs (a long GC, a stalled VM). */
final class PauseFault implements Fault {
    static final Duration HOLD = Duration.ofSeconds(6);
    private final Cluster cluster;
    private Node paused;
    private long pid;

    PauseFault(Cluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public String name() {
        return "pause-leader";
    }

    @Override
    public Duration hold() {
        return HOLD;
    }

    @Override
    public void inject() throws Exception {
        pid = 0;
        paused = cluster.leader(cluster.tokyo, Duration.ofSeconds(20));
        pid = cluster.tokyo.pid(paused).orElseThrow();
        Cluster.signal("STOP", pid);
    }

    @Override
    public void heal() {
        if (pid > 0) { // never "kill -CONT 0": that is the whole process group
            Cluster.signal("CONT", pid);
        }
    }

    @Override
    public String target() {
        return paused == null ? "" : paused.id() + " (leader, pid " + pid + ")";
    }
}
