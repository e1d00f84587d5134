package dev.kinko.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.ByteString;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.GetClusterStatusRequest;
import dev.kinko.proto.v1.GetClusterStatusResponse;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.NodeStatus;
import dev.kinko.proto.v1.ReadConsistency;
import dev.kinko.server.consensus.DataSizes;
import dev.kinko.server.consensus.RaftNode;
import dev.kinko.server.consensus.RaftSettings;
import dev.kinko.server.testing.TestRegion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bounded disk (issue 14): a replica region applies shipped changes in large batches, so its Raft
 * log grows by bytes much faster than by entries. With the entry trigger out of reach, the byte
 * trigger alone snapshots and the log is purged behind it; a restarted node starts from that
 * snapshot. The disk metrics are on /metrics, the alert rules name only metrics that exist and load
 * with promtool where it is installed, and GetClusterStatus reports each node's sizes.
 */
class SnapshotByLogBytesTest {
    static final long TRIGGER = 8 * RaftSettings.MIN_SNAPSHOT_LOG_BYTES; // 512 KiB
    static final long SEGMENT = 128L << 10;
    static final int SECRETS = 1_500;
    static final int VALUE_BYTES = 1_024;
    static final Path ALERTS = Path.of("../ops/prometheus/kinko-alerts.yml");

    @TempDir
    Path dir;

    @Test
    void aReplicaRegionsLogIsTrimmedByBytesAndARestartedNodeStartsFromTheSnapshot() throws Exception {
        try (TestRegion osaka = TestRegion.builder("osaka", dir).snapshotLogBytes(TRIGGER, SEGMENT).start();
             TestRegion tokyo = TestRegion.builder("tokyo", dir).link(osaka).start()) {
            createReplicated(tokyo, SECRETS);
            await().atMost(TestRegion.SETTLE).ignoreExceptions().until(() -> valueIn(osaka, 0, "big/" + (SECRETS - 1)) != null);

            for (int i = 0; i < osaka.size(); i++) {
                RaftNode raft = osaka.node(i).raft();
                int node = i;
                // the byte trigger fired and the log was purged up to its snapshot; the entry trigger never could
                await().atMost(TestRegion.SETTLE).untilAsserted(() -> {
                    assertThat(raft.snapshotsByLogBytes()).as("byte-triggered snapshots on osaka-%d", node + 1).isPositive();
                    assertThat(raft.view().logStartIndex()).as("first index still in osaka-%d's log", node + 1).isPositive();
                    assertThat(raft.dataSizes().raftLogBytes()).as("osaka-%d's Raft log bytes", node + 1)
                            .isLessThanOrEqualTo(TRIGGER + 2 * SEGMENT);
                });
                assertThat(raft.view().appliedIndex()).isLessThan(1_000_000_000L);
            }
            // the primary's entries are single secrets: far below its 64 MiB default, it keeps its log
            assertThat(tokyo.node(0).raft().snapshotsByLogBytes()).isZero();

            clusterStatusShowsEachNodesSizes(osaka);
            metricsAndAlertRules(osaka);

            // a follower restarted: its log before the snapshot is gone, so it starts from the snapshot
            int leader = osaka.awaitLeader();
            int restarted = (leader + 1) % osaka.size();
            long firstKept = osaka.node(restarted).raft().view().logStartIndex();
            osaka.stopNode(restarted);
            osaka.startNode(restarted);
            await().atMost(TestRegion.SETTLE).ignoreExceptions().untilAsserted(() ->
                    assertThat(osaka.node(restarted).raft().view().appliedIndex())
                            .isGreaterThanOrEqualTo(osaka.node(leader).raft().view().appliedIndex()));
            assertThat(osaka.node(restarted).raft().view().logStartIndex()).isGreaterThanOrEqualTo(firstKept);
            for (int s = 0; s < SECRETS; s += 149) {
                assertThat(valueIn(osaka, restarted, "big/" + s)).as("big/%d on the restarted node", s).isEqualTo(value(s));
            }
        }
    }

    private static void createReplicated(TestRegion tokyo, int count) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int s = 0; s < count; s++) {
                int n = s;
                done.add(pool.submit(() -> tokyo.withRetry(x -> x.createSecret(CreateSecretRequest.newBuilder()
                        .setName("big/" + n).setSecretBinary(value(n)).addAddReplicaRegions("osaka").build()))));
            }
            for (Future<?> f : done) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static ByteString value(int n) {
        byte[] b = new byte[VALUE_BYTES];
        new Random(n).nextBytes(b);
        return ByteString.copyFrom(b);
    }

    private static ByteString valueIn(TestRegion region, int node, String name) {
        return region.secrets(node).getSecretValue(GetSecretValueRequest.newBuilder().setSecretId(name)
                .setConsistency(ReadConsistency.READ_CONSISTENCY_LOCAL).build()).getSecretBinary();
    }

    private static void clusterStatusShowsEachNodesSizes(TestRegion osaka) {
        GetClusterStatusResponse status = osaka.admin(0).getClusterStatus(GetClusterStatusRequest.getDefaultInstance());
        assertThat(status.getNodesList()).hasSize(osaka.size());
        for (NodeStatus n : status.getNodesList()) {
            assertThat(n.getRaftLogBytes()).as("%s raft log bytes", n.getNodeId()).isPositive();
            assertThat(n.getDbBytes()).as("%s db bytes", n.getNodeId()).isGreaterThan((long) SECRETS * VALUE_BYTES / 2);
            assertThat(n.getSnapshotBytes()).as("%s snapshot bytes", n.getNodeId()).isPositive();
            assertThat(n.getFreeBytes()).as("%s free bytes", n.getNodeId()).isPositive();
        }
        DataSizes local = osaka.node(0).raft().dataSizes();
        assertThat(local.fileSystemBytes()).isGreaterThanOrEqualTo(local.freeBytes());
    }

    /** The disk metrics are served, and every metric the alert rules name is one a node serves. */
    private static void metricsAndAlertRules(TestRegion osaka) throws Exception {
        String metrics = osaka.metrics(0);
        for (String name : List.of("kinko_raft_log_bytes", "kinko_db_bytes", "kinko_snapshot_bytes",
                "kinko_data_dir_free_bytes", "kinko_data_dir_size_bytes", "kinko_raft_snapshot_log_bytes",
                "kinko_raft_log_bytes_since_snapshot", "kinko_snapshots_by_log_bytes_total")) {
            assertThat(metrics).as("/metrics").containsPattern("(?m)^" + name + "\\{[^}]*\\} [0-9]");
        }
        assertThat(metrics).containsPattern("(?m)^kinko_raft_snapshot_log_bytes\\{[^}]*\\} " + (double) TRIGGER);

        JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(ALERTS.toFile()).path("groups").path(0).path("rules");
        Set<String> alerts = new TreeSet<>();
        Set<String> named = new TreeSet<>();
        for (JsonNode rule : rules) {
            alerts.add(rule.path("alert").asText());
            Matcher m = Pattern.compile("kinko_[a-z_]+").matcher(rule.path("expr").asText());
            while (m.find()) {
                named.add(m.group());
            }
        }
        assertThat(alerts).contains("KinkoDiskSpaceBelow15Percent", "KinkoRaftLogNotTrimmed");
        for (String name : named) {
            // rotation and audit counters appear once something counted them on some node; the rest always
            if (!name.startsWith("kinko_rotation") && !name.startsWith("kinko_audit") && !name.startsWith("kinko_replication")) {
                assertThat(metrics).as("a metric the alert rules use").containsPattern("(?m)^" + name + "[{ ]");
            }
        }
        Path promtool = Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .map(d -> Path.of(d, "promtool")).filter(Files::isExecutable).findFirst().orElse(null);
        if (promtool != null) { // Debian's prometheus package; without it the rules were checked above by name only
            Process p = new ProcessBuilder(promtool.toString(), "check", "rules", ALERTS.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor()).as("promtool check rules: %s", out).isZero();
        }
    }
}
