package dev.kinko.server.replication;

import static dev.kinko.server.testing.Grpcs.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.CreateSecretResponse;
import dev.kinko.proto.v1.DescribeSecretRequest;
import dev.kinko.proto.v1.GetRegionStatusRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.LinkState;
import dev.kinko.proto.v1.PromoteRegionRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.ReadConsistency;
import dev.kinko.proto.v1.RegionLinkStatus;
import dev.kinko.proto.v1.RemoveRegionsFromReplicationRequest;
import dev.kinko.proto.v1.ReplicateSecretToRegionsRequest;
import dev.kinko.proto.v1.ReplicationState;
import dev.kinko.proto.v1.ReplicationStatus;
import dev.kinko.proto.v1.SecretMetadata;
import dev.kinko.proto.v1.StopReplicationToReplicaRequest;
import dev.kinko.proto.v1.UpdateSecretRequest;
import dev.kinko.server.testing.TestRegion;
import io.grpc.Status;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The walkthrough's scenario between two real 3-node regions, tokyo (primary) and osaka (replica). */
class ReplicationScenarioTest {
    @TempDir
    static Path dir;
    static TestRegion osaka;
    static TestRegion tokyo;

    @BeforeAll
    static void start() {
        osaka = TestRegion.start("osaka", dir);
        tokyo = TestRegion.builder("tokyo", dir).link(osaka).start();
    }

    @AfterAll
    static void stop() {
        tokyo.close();
        osaka.close();
    }

    static String valueIn(TestRegion region, String name) {
        return region.withRetry(s -> s.getSecretValue(GetSecretValueRequest.newBuilder().setSecretId(name).build()))
                .getSecretString();
    }

    static SecretMetadata describe(TestRegion region, String name) {
        return region.withRetry(s -> s.describeSecret(DescribeSecretRequest.newBuilder().setSecretId(name).build()))
                .getSecret();
    }

    static ReplicationStatus statusIn(SecretMetadata meta, String region) {
        return meta.getReplicationStatusList().stream().filter(s -> s.getRegion().equals(region)).findFirst().orElseThrow();
    }

    @Test
    void step1And2ASecretAndItsNewValuesAppearInTheReplicaRegion() {
        CreateSecretResponse created = tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder()
                .setName("prod/db/password").setSecretString("tokyo-v1").addAddReplicaRegions("osaka").build()));
        await().atMost(TestRegion.SETTLE).ignoreExceptions()
                .untilAsserted(() -> assertThat(valueIn(osaka, "prod/db/password")).isEqualTo("tokyo-v1"));
        SecretMetadata replica = describe(osaka, "prod/db/password");
        assertThat(replica.getId()).isEqualTo(created.getId());
        assertThat(replica.getPrimaryRegion()).isEqualTo("tokyo");
        assertThat(replica.getReplica()).isTrue();
        await().atMost(TestRegion.SETTLE).untilAsserted(() -> assertThat(statusIn(describe(tokyo, "prod/db/password"),
                "osaka").getStatus()).isEqualTo(ReplicationState.REPLICATION_STATE_IN_SYNC));

        tokyo.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("prod/db/password")
                .setSecretString("tokyo-v2").build()));
        await().atMost(TestRegion.SETTLE).ignoreExceptions()
                .untilAsserted(() -> assertThat(valueIn(osaka, "prod/db/password")).isEqualTo("tokyo-v2"));
        assertThat(osaka.withRetry(s -> s.getSecretValue(GetSecretValueRequest.newBuilder()
                .setSecretId("prod/db/password").setVersionStage("PREVIOUS").build())).getSecretString())
                .isEqualTo("tokyo-v1");
    }

    @Test
    void step1LaterReplicationAndRemovalLeavesAStandaloneReplica() {
        tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("later/api-key")
                .setSecretString("k1").build()));
        tokyo.withRetry(s -> s.replicateSecretToRegions(ReplicateSecretToRegionsRequest.newBuilder()
                .setSecretId("later/api-key").addAddReplicaRegions("osaka").build()));
        await().atMost(TestRegion.SETTLE).ignoreExceptions()
                .untilAsserted(() -> assertThat(valueIn(osaka, "later/api-key")).isEqualTo("k1"));

        tokyo.withRetry(s -> s.removeRegionsFromReplication(RemoveRegionsFromReplicationRequest.newBuilder()
                .setSecretId("later/api-key").addRemoveReplicaRegions("osaka").build()));
        assertThat(describe(tokyo, "later/api-key").getReplicationStatusList()).isEmpty();
        await().atMost(TestRegion.SETTLE).untilAsserted(() ->
                assertThat(describe(osaka, "later/api-key").getPrimaryRegion()).isEqualTo("osaka"));
        // standalone now: writable in osaka, and tokyo's changes no longer arrive
        osaka.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("later/api-key")
                .setSecretString("osaka-own").build()));
        assertThat(valueIn(osaka, "later/api-key")).isEqualTo("osaka-own");
    }

    @Test
    void step3WritesToAReplicaAreRefusedNamingThePrimary() {
        tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("ro/token")
                .setSecretString("t").addAddReplicaRegions("osaka").build()));
        await().atMost(TestRegion.SETTLE).ignoreExceptions()
                .untilAsserted(() -> assertThat(valueIn(osaka, "ro/token")).isEqualTo("t"));
        assertRefused(() -> osaka.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder()
                .setSecretId("ro/token").setSecretString("x").build())), Status.Code.FAILED_PRECONDITION, "REPLICA_READ_ONLY");
        assertRefused(() -> osaka.withRetry(s -> s.updateSecret(UpdateSecretRequest.newBuilder()
                .setSecretId("ro/token").setDescription("x").build())), Status.Code.FAILED_PRECONDITION, "REPLICA_READ_ONLY");
        try {
            osaka.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("ro/token")
                    .setSecretString("x").build()));
        } catch (io.grpc.StatusRuntimeException e) {
            assertThat(e.getStatus().getDescription()).contains("tokyo");
        }
        assertThat(valueIn(osaka, "ro/token")).isEqualTo("t");
    }

    @Test
    void step4ANameConflictFailsUntilForceOverwrite() {
        CreateSecretResponse standalone = osaka.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder()
                .setName("conflict/db").setSecretString("osaka-standalone").build()));
        CreateSecretResponse primary = tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder()
                .setName("conflict/db").setSecretString("tokyo-primary").addAddReplicaRegions("osaka").build()));
        await().atMost(TestRegion.SETTLE).untilAsserted(() -> {
            ReplicationStatus status = statusIn(describe(tokyo, "conflict/db"), "osaka");
            assertThat(status.getStatus()).isEqualTo(ReplicationState.REPLICATION_STATE_FAILED);
            assertThat(status.getStatusMessage()).isEqualTo("Secret name conflict/db already exists in region osaka");
        });
        assertThat(valueIn(osaka, "conflict/db")).isEqualTo("osaka-standalone");
        assertThat(describe(osaka, "conflict/db").getId()).isEqualTo(standalone.getId());

        tokyo.withRetry(s -> s.replicateSecretToRegions(ReplicateSecretToRegionsRequest.newBuilder()
                .setSecretId("conflict/db").addAddReplicaRegions("osaka").setForceOverwriteReplicaSecret(true).build()));
        await().atMost(TestRegion.SETTLE).ignoreExceptions()
                .untilAsserted(() -> assertThat(valueIn(osaka, "conflict/db")).isEqualTo("tokyo-primary"));
        SecretMetadata replica = describe(osaka, "conflict/db");
        assertThat(replica.getId()).isEqualTo(primary.getId()).isNotEqualTo(standalone.getId());
        assertThat(replica.getCreatedDate()).isEqualTo(describe(tokyo, "conflict/db").getCreatedDate());
        await().atMost(TestRegion.SETTLE).untilAsserted(() -> assertThat(statusIn(describe(tokyo, "conflict/db"),
                "osaka").getStatus()).isEqualTo(ReplicationState.REPLICATION_STATE_IN_SYNC));
    }

    @Test
    void step5StoppingReplicationInTheReplicaRegionMakesOneSecretStandalone() {
        tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("stop/me")
                .setSecretString("v").addAddReplicaRegions("osaka").build()));
        await().atMost(TestRegion.SETTLE).ignoreExceptions()
                .untilAsserted(() -> assertThat(valueIn(osaka, "stop/me")).isEqualTo("v"));
        osaka.withRetry(s -> s.stopReplicationToReplica(StopReplicationToReplicaRequest.newBuilder()
                .setSecretId("stop/me").build()));
        osaka.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("stop/me")
                .setSecretString("osaka-now").build()));
        assertThat(valueIn(osaka, "stop/me")).isEqualTo("osaka-now");
        await().atMost(TestRegion.SETTLE).untilAsserted(() ->
                assertThat(describe(tokyo, "stop/me").getReplicationStatusList()).isEmpty());
        // tokyo's later writes do not reach osaka any more
        tokyo.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("stop/me")
                .setSecretString("tokyo-later").build()));
        assertThat(valueIn(osaka, "stop/me")).isEqualTo("osaka-now");
    }

    @Test
    void badInputIsRefusedAndChangesNothing() {
        tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("bad/input")
                .setSecretString("v").build()));
        assertRefused(() -> tokyo.withRetry(s -> s.replicateSecretToRegions(ReplicateSecretToRegionsRequest.newBuilder()
                .setSecretId("bad/input").addAddReplicaRegions("sapporo").build())), Status.Code.INVALID_ARGUMENT, "UNKNOWN_REGION");
        assertRefused(() -> tokyo.withRetry(s -> s.replicateSecretToRegions(ReplicateSecretToRegionsRequest.newBuilder()
                .setSecretId("bad/input").addAddReplicaRegions("tokyo").build())), Status.Code.INVALID_ARGUMENT,
                "INVALID_REPLICA_REGION");
        assertRefused(() -> tokyo.withRetry(s -> s.removeRegionsFromReplication(RemoveRegionsFromReplicationRequest
                .newBuilder().setSecretId("bad/input").addRemoveReplicaRegions("osaka").build())),
                Status.Code.FAILED_PRECONDITION, "NOT_A_REPLICA");
        assertRefused(() -> tokyo.admin(0).promoteRegion(PromoteRegionRequest.getDefaultInstance()),
                Status.Code.FAILED_PRECONDITION, "NOT_A_REPLICA_REGION");
        assertRefused(() -> tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("bad/create")
                .setSecretString("v").addAddReplicaRegions("nowhere").build())), Status.Code.INVALID_ARGUMENT, "UNKNOWN_REGION");
        assertThat(describe(tokyo, "bad/input").getReplicationStatusList()).isEmpty();
        assertRefused(() -> describe(tokyo, "bad/create"), Status.Code.NOT_FOUND, "SECRET_NOT_FOUND");
        RegionLinkStatus link = tokyo.admin(0).getRegionStatus(GetRegionStatusRequest.getDefaultInstance()).getLinks(0);
        assertThat(link.getRegion()).isEqualTo("osaka");
        assertThat(link.getState()).isIn(LinkState.LINK_STATE_CONNECTED, LinkState.LINK_STATE_DISCONNECTED);
    }
}
