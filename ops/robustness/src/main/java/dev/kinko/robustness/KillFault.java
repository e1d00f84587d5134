package dev.kinko.robustness;

import dev.kinko.bench.LocalRegion;
import dev.kinko.bench.LocalRegion.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * kill -9 of tokyo nodes (no shutdown of Raft or RocksDB), restarted from their data directories on
 * heal: the leader, a follower, a minority (one node of each region at once: a tokyo follower and
 * osaka's leader, the node that receives the shipped changes), or all of tokyo.
 */
final class KillFault implements Fault {
    enum Whom { LEADER, FOLLOWER, MINORITY, REGION }

    private final Cluster cluster;
    private final Whom whom;
    private final List<Node> killed = new ArrayList<>();

    KillFault(Cluster cluster, Whom whom) {
        this.cluster = cluster;
        this.whom = whom;
    }

    @Override
    public String name() {
        return switch (whom) {
            case LEADER -> "kill-leader";
            case FOLLOWER -> "kill-follower";
            case MINORITY -> "kill-minority";
            case REGION -> "kill-region";
        };
    }

    @Override
    public Duration hold() {
        return Duration.ofSeconds(whom == Whom.REGION ? 3 : 5);
    }

    @Override
    public void inject() throws Exception {
        killed.clear();
        LocalRegion tokyo = cluster.tokyo;
        Node leader = cluster.leader(tokyo, Duration.ofSeconds(20));
        Node follower = tokyo.running().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
        switch (whom) {
            case LEADER -> killed.add(leader);
            case FOLLOWER -> killed.add(follower);
            case MINORITY -> {
                killed.add(follower);
                killed.add(cluster.leader(cluster.osaka, Duration.ofSeconds(20)));
            }
            case REGION -> killed.addAll(tokyo.running());
        }
        for (Node n : killed) {
            cluster.regionOf(n).kill9(n);
        }
    }

    @Override
    public void heal() throws Exception {
        for (Node n : killed) {
            cluster.regionOf(n).start(n);
        }
    }

    @Override
    public String target() {
        return killed.stream().map(Node::id).toList().toString();
    }
}
