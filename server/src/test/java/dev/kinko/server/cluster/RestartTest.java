package dev.kinko.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.ListSecretVersionIdsRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.ReadConsistency;
import dev.kinko.server.consensus.KinkoStateMachine;
import dev.kinko.server.storage.RocksStorage;
import dev.kinko.server.testing.TestRegion;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** All three nodes stop and start again: every secret is back and no entry is applied twice. */
class RestartTest {
    @TempDir
    Path dir;

    @Test
    void everySecretSurvivesAFullRestartWithoutDoubleApply() throws Exception {
        TestRegion region = TestRegion.start("tokyo", dir);
        try {
            for (int i = 0; i < 30; i++) {
                String name = "restart/s" + i;
                region.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(name)
                        .setSecretString("first-" + name).build()));
                region.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name)
                        .setSecretString("second-" + name).build()));
            }
            int leader = region.awaitLeader();
            long committed = region.node(leader).raft().view().commitIndex();
            // every node has applied everything before the stop
            await().atMost(TestRegion.SETTLE).until(() -> {
                for (int i = 0; i < 3; i++) {
                    if (region.node(i).raft().view().appliedIndex() < committed) {
                        return false;
                    }
                }
                return true;
            });
            for (int i = 0; i < 3; i++) {
                region.stopNode(i);
            }
            // read once every node has stopped: a running node still applies the region's audit heads
            long[] appliedBefore = new long[3];
            for (int i = 0; i < 3; i++) {
                try (RocksStorage db = RocksStorage.open(region.dataDir(i).resolve("db"))) {
                    appliedBefore[i] = db.applied().index();
                }
            }

            for (int i = 0; i < 3; i++) {
                region.startNode(i);
            }
            region.awaitLeader();
            for (int i = 0; i < 30; i++) {
                String name = "restart/s" + i;
                assertThat(region.withRetry(s -> s.getSecretValue(GetSecretValueRequest.newBuilder()
                        .setSecretId(name).build())).getSecretString()).isEqualTo("second-" + name);
                assertThat(region.withRetry(s -> s.listSecretVersionIds(ListSecretVersionIdsRequest.newBuilder()
                        .setSecretId(name).setIncludeDeprecated(true).build())).getVersionsCount()).isEqualTo(2);
            }
            // one write after the restart, so every node applies at least one entry in this process
            region.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("restart/after")
                    .setSecretString("after").build()));
            int newLeader = region.awaitLeader();
            long committedAfter = region.node(newLeader).raft().view().commitIndex();
            for (int i = 0; i < 3; i++) {
                int node = i;
                await().atMost(TestRegion.SETTLE).until(() ->
                        region.node(node).raft().view().appliedIndex() >= committedAfter);
                KinkoStateMachine sm = region.node(i).raft().stateMachine();
                // the log was replayed from the start; RocksDB already held those entries
                assertThat(sm.replaysSkipped()).as("replays skipped on node %d", i).isPositive();
                // the first entry applied again lies above the index RocksDB held before the stop (Ratis
                // configuration entries take indexes too, so counting applied entries would not tell)
                long before = appliedBefore[i];
                assertThat(sm.firstIndexApplied()).as("first index applied on node %d", i).isGreaterThan(before);
                assertThat(region.secrets(i).getSecretValue(GetSecretValueRequest.newBuilder()
                        .setSecretId("restart/s7").setConsistency(ReadConsistency.READ_CONSISTENCY_LOCAL).build())
                        .getSecretString()).isEqualTo("second-restart/s7");
            }
        } finally {
            region.close();
        }
    }

    @Test
    void aNodeThatLostItsDatabaseRestoresItFromItsSnapshot() throws Exception {
        try (TestRegion region = TestRegion.builder("tokyo", dir.resolve("lost-db")).snapshotEvery(20).start()) {
            for (int i = 0; i < 60; i++) {
                String name = "lost/s" + i;
                region.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(name)
                        .setSecretString("v-" + name).build()));
            }
            int leader = region.awaitLeader();
            int victim = (leader + 1) % 3;
            await().atMost(TestRegion.SETTLE).until(() -> region.node(victim).raft().view().snapshotIndex() > 0);
            region.stopNode(victim);
            dev.kinko.server.storage.FileTrees.delete(region.dataDir(victim).resolve("db"));

            region.startNode(victim);
            long committed = region.node(region.awaitLeader()).raft().view().commitIndex();
            await().atMost(TestRegion.SETTLE).until(() -> region.node(victim).raft().view().appliedIndex() >= committed);
            for (int i = 0; i < 60; i++) {
                String name = "lost/s" + i;
                assertThat(region.secrets(victim).getSecretValue(GetSecretValueRequest.newBuilder().setSecretId(name)
                        .setConsistency(ReadConsistency.READ_CONSISTENCY_LOCAL).build()).getSecretString())
                        .isEqualTo("v-" + name);
            }
        }
    }

    @Test
    void aNodeWithAnotherKeyFileRefusesToStartAndChangesNothing() throws Exception {
        try (TestRegion region = TestRegion.start("tokyo", dir.resolve("wrong-key"))) {
            region.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("key/s").setSecretString("v").build()));
            int leader = region.awaitLeader();
            int victim = (leader + 1) % 3;
            await().atMost(TestRegion.SETTLE).until(() -> !region.node(victim).raft().stateMachine().storage()
                    .regionKeys().isEmpty());
            region.stopNode(victim);
            Path otherKey = dir.resolve("wrong-key/other.key");
            dev.kinko.server.crypto.MasterKeyFile.generate(otherKey);
            dev.kinko.server.config.NodeConfig c = region.config(victim);
            dev.kinko.server.config.NodeConfig wrong = new dev.kinko.server.config.NodeConfig(c.nodeId(), c.region(),
                    c.dataDir(), otherKey, c.listenHost(), c.clientPort(), c.peers(), c.raft(), c.purgeIntervalSeconds(),
                    c.links(), c.maxJournalLag(), c.metricsPort(), c.tls(), c.rootTokenFile(), c.audit(), c.rateLimit(),
                    c.rotation(), c.aws());
            assertThatThrownBy(() -> dev.kinko.server.KinkoNode.start(wrong)).isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("does not open the region keys");
            // with the region's key file it starts and serves as before
            region.startNode(victim);
            await().atMost(TestRegion.SETTLE).ignoreExceptions().untilAsserted(() ->
                    assertThat(region.secrets(victim).getSecretValue(GetSecretValueRequest.newBuilder()
                            .setSecretId("key/s").build()).getSecretString()).isEqualTo("v"));
        }
    }
}
