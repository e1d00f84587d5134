package dev.kinko.robustness;

import dev.kinko.bench.LocalRegion.Node;
import java.time.Duration;
import java.util.List;

/**
 * A network partition made of blackhole routes in the nodes' namespaces ({@link Netns}): tokyo's
 * leader cut from the rest of its region (both directions; clients still reach every node), or
 * every tokyo node cut from every osaka node (the link between the regions down).
 */
final class PartitionFault implements Fault {
    enum Cut { LEADER_FROM_REGION, REGIONS }

    private final Cluster cluster;
    private final Cut cut;
    private String target = "";

    PartitionFault(Cluster cluster, Cut cut) {
        this.cluster = cluster;
        this.cut = cut;
    }

    @Override
    public String name() {
        return cut == Cut.LEADER_FROM_REGION ? "partition-leader" : "partition-regions";
    }

    @Override
    public Duration hold() {
        return Duration.ofSeconds(6);
    }

    @Override
    public String unavailable() {
        return cluster.net == null ? "no network namespaces: " + cluster.netUnavailable : "";
    }

    @Override
    public void inject() throws Exception {
        if (cut == Cut.REGIONS) {
            cluster.net.cutBetween(cluster.ids(cluster.tokyo), cluster.ids(cluster.osaka));
            target = "tokyo | osaka";
            return;
        }
        Node leader = cluster.leader(cluster.tokyo, Duration.ofSeconds(20));
        List<String> others = cluster.ids(cluster.tokyo).stream().filter(id -> !id.equals(leader.id())).toList();
        cluster.net.cutBetween(List.of(leader.id()), others);
        target = leader.id() + " | " + others;
    }

    @Override
    public void heal() throws Exception {
        cluster.net.healAll();
    }

    @Override
    public String target() {
        return target;
    }
}
