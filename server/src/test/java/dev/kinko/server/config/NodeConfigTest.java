package dev.kinko.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kinko.server.consensus.RaftSettings;
import dev.kinko.server.rotation.RotationSettings;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {
    /** A node config with nothing but what is required. */
    static final String MINIMAL = """
            node_id: a
            region: tokyo
            data_dir: /tmp/a
            key_file: /tmp/k
            tls: {ca_file: ca.crt, cert_file: a.crt, key_file: a.key, region_cert_file: r.crt, region_key_file: r.key}
            root_token_file: /tmp/root-token
            peers:
              - {id: a, raft_address: "127.0.0.1:9101", client_address: "127.0.0.1:8101"}
            """;

    @TempDir
    Path dir;

    @Test
    void theExampleConfigUnderOpsLoads() throws IOException {
        NodeConfig c = NodeConfig.load(Path.of("../ops/config/tokyo/tokyo-1.yaml"));
        assertThat(c.nodeId()).isEqualTo("tokyo-1");
        assertThat(c.region()).isEqualTo("tokyo");
        assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/kinko/tokyo-1"));
        assertThat(c.keyFile()).isEqualTo(Path.of("/etc/kinko/tokyo.key"));
        assertThat(c.effectiveClientPort()).isEqualTo(8101);
        assertThat(c.members()).hasSize(3);
        assertThat(c.metricsPort()).isEqualTo(10101);
        assertThat(c.links()).singleElement().satisfies(l -> {
            assertThat(l.region()).isEqualTo("osaka");
            assertThat(l.addresses()).hasSize(3);
        });
        assertThat(c.raftSettings()).isEqualTo(RaftSettings.defaults());
        assertThat(c.purgeInterval().toSeconds()).isEqualTo(NodeConfig.DEFAULT_PURGE_INTERVAL_SECONDS);
    }

    @Test
    void tuningOverridesDefaults() throws IOException {
        Path f = write(MINIMAL + """
                raft:
                  snapshot_threshold: 50
                  election_timeout_min_ms: 500
                """);
        NodeConfig c = NodeConfig.load(f);
        assertThat(c.raftSettings().snapshotThreshold()).isEqualTo(50);
        assertThat(c.raftSettings().electionTimeoutMin().toMillis()).isEqualTo(500);
        assertThat(c.raftSettings().electionTimeoutMax()).isEqualTo(RaftSettings.DEFAULT_ELECTION_TIMEOUT_MAX);
        assertThat(c.effectiveClientPort()).isEqualTo(8101);
        assertThat(c.host()).isEqualTo(NodeConfig.DEFAULT_LISTEN_HOST);
        assertThat(c.tls().clientAuthOrDefault()).isEqualTo("optional");
        assertThat(c.effectiveAuditDir()).isEqualTo(Path.of("/tmp/a/audit"));
        assertThat(c.ratePerSecond()).isEqualTo(NodeConfig.DEFAULT_RATE_PER_SECOND);
    }

    @Test
    void rotationTuningIsReadAndItsLimitsHold() throws IOException {
        String base = MINIMAL;
        assertThat(NodeConfig.load(write(base)).rotationSettings()).isEqualTo(RotationSettings.defaults());
        NodeConfig c = NodeConfig.load(write(base + """
                rotation: {max_attempts: %d, retry_backoff_ms: 500, check_interval_ms: 250, external_step_timeout_ms: 9000}
                """.formatted(RotationSettings.MAX_ATTEMPTS_LIMIT)));
        assertThat(c.rotationSettings().maxAttempts()).isEqualTo(RotationSettings.MAX_ATTEMPTS_LIMIT);
        assertThat(c.rotationSettings().retryBackoff()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.rotationSettings().backoff(1)).isEqualTo(Duration.ofMillis(500));
        assertThat(c.rotationSettings().backoff(3)).isEqualTo(Duration.ofMillis(2000));
        assertThat(c.rotationSettings().backoff(40)).isEqualTo(RotationSettings.MAX_RETRY_BACKOFF);
        assertThat(NodeConfig.load(write(base + "rotation: {max_attempts: 1}\n")).rotationSettings().maxAttempts())
                .isEqualTo(1);
        for (String bad : List.of("rotation: {max_attempts: 0}", "rotation: {max_attempts: "
                + (RotationSettings.MAX_ATTEMPTS_LIMIT + 1) + "}", "rotation: {check_interval_ms: 0}")) {
            assertThatThrownBy(() -> NodeConfig.load(write(base + bad + "\n"))).hasMessageContaining("rotation");
        }
    }

    @Test
    void theSnapshotByteTriggerDefaultsTo64MiBAndHasAFloor() throws IOException {
        String base = MINIMAL;
        assertThat(NodeConfig.load(write(base)).raftSettings().snapshotLogBytes())
                .isEqualTo(RaftSettings.DEFAULT_SNAPSHOT_LOG_BYTES).isEqualTo(64L << 20);
        long floor = RaftSettings.MIN_SNAPSHOT_LOG_BYTES;
        assertThat(NodeConfig.load(write(base + "raft: {snapshot_log_bytes: " + floor + "}\n")).raftSettings()
                .snapshotLogBytes()).isEqualTo(floor);
        assertThatThrownBy(() -> NodeConfig.load(write(base + "raft: {snapshot_log_bytes: " + (floor - 1) + "}\n")))
                .hasMessageContaining("raft.snapshot_log_bytes must be at least " + floor);
    }

    @Test
    void aNodeWithoutTlsOrRootTokenFileIsRefused() throws IOException {
        Path noTls = write("""
                node_id: a
                region: tokyo
                data_dir: /tmp/a
                key_file: /tmp/k
                root_token_file: /tmp/root-token
                peers:
                  - {id: a, raft_address: "127.0.0.1:9101", client_address: "127.0.0.1:8101"}
                """);
        assertThatThrownBy(() -> NodeConfig.load(noTls)).hasMessageContaining("tls is required");
        Path badAuth = write("""
                node_id: a
                region: tokyo
                data_dir: /tmp/a
                key_file: /tmp/k
                root_token_file: /tmp/root-token
                tls: {ca_file: ca.crt, cert_file: a.crt, key_file: a.key, region_cert_file: r.crt, region_key_file: r.key,
                      client_auth: sometimes}
                peers:
                  - {id: a, raft_address: "127.0.0.1:9101", client_address: "127.0.0.1:8101"}
                """);
        assertThatThrownBy(() -> NodeConfig.load(badAuth)).hasMessageContaining("client_auth");
        Path noRoot = write("""
                node_id: a
                region: tokyo
                data_dir: /tmp/a
                key_file: /tmp/k
                tls: {ca_file: ca.crt, cert_file: a.crt, key_file: a.key, region_cert_file: r.crt, region_key_file: r.key}
                peers:
                  - {id: a, raft_address: "127.0.0.1:9101", client_address: "127.0.0.1:8101"}
                """);
        assertThatThrownBy(() -> NodeConfig.load(noRoot)).hasMessageContaining("root_token_file");
    }

    @Test
    void aTypoIsRefusedByName() throws IOException {
        Path f = write("""
                node_id: a
                regoin: tokyo
                """);
        assertThatThrownBy(() -> NodeConfig.load(f)).isInstanceOf(IOException.class).hasMessageContaining("regoin");
    }

    @Test
    void missingOrInconsistentFieldsNameTheRule() throws IOException {
        Path noPeers = write("""
                node_id: a
                region: tokyo
                data_dir: /tmp/a
                key_file: /tmp/k
                """);
        assertThatThrownBy(() -> NodeConfig.load(noPeers)).hasMessageContaining("peers");
        Path notAPeer = write("""
                node_id: b
                region: tokyo
                data_dir: /tmp/a
                key_file: /tmp/k
                peers:
                  - {id: a, raft_address: "127.0.0.1:9101", client_address: "127.0.0.1:8101"}
                """);
        assertThatThrownBy(() -> NodeConfig.load(notAPeer)).hasMessageContaining("must include this node");
        Path badRegion = write("""
                node_id: a
                region: Tokyo Region
                data_dir: /tmp/a
                key_file: /tmp/k
                peers:
                  - {id: a, raft_address: "127.0.0.1:9101", client_address: "127.0.0.1:8101"}
                """);
        assertThatThrownBy(() -> NodeConfig.load(badRegion)).hasMessageContaining("region");
    }

    private Path write(String yaml) throws IOException {
        Path f = Files.createTempFile(dir, "node", ".yaml");
        Files.writeString(f, yaml);
        return f;
    }
}
