package dev.kinko.server.replication;

import static dev.kinko.server.replication.ReplicationScenarioTest.describe;
import static dev.kinko.server.replication.ReplicationScenarioTest.valueIn;
import static dev.kinko.server.testing.Grpcs.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.GetRegionStatusRequest;
import dev.kinko.proto.v1.LinkState;
import dev.kinko.proto.v1.ListUnshippedChangesRequest;
import dev.kinko.proto.v1.ListUnshippedChangesResponse;
import dev.kinko.proto.v1.PromoteRegionRequest;
import dev.kinko.proto.v1.PromoteRegionResponse;
import dev.kinko.proto.v1.PutRegionLinkRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.RegionLinkStatus;
import dev.kinko.proto.v1.ReplicateRegionRequest;
import dev.kinko.proto.v1.SecretMetadata;
import dev.kinko.proto.v1.UnshippedChange;
import dev.kinko.server.testing.TestRegion;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Disaster recovery: tokyo is lost with changes it never shipped, osaka is
 * promoted, tokyo returns fenced and reports its gap, and failback makes
 * tokyo a replica region of osaka again.
 */
class PromotionTest {
    @TempDir
    Path dir;

    @Test
    void osakaPromotedFencesTokyoWhichReportsItsGapAndFailsBack() {
        try (TestRegion osaka = TestRegion.start("osaka", dir);
             TestRegion tokyo = TestRegion.builder("tokyo", dir).link(osaka).start()) {
            for (int i = 0; i < 5; i++) {
                String name = "dr/s" + i;
                tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(name)
                        .setSecretString("v1-" + name).addAddReplicaRegions("osaka").build()));
            }
            for (int i = 0; i < 5; i++) {
                String name = "dr/s" + i;
                await().atMost(TestRegion.SETTLE).ignoreExceptions()
                        .untilAsserted(() -> assertThat(valueIn(osaka, name)).isEqualTo("v1-" + name));
            }

            // osaka is cut off; tokyo accepts writes it cannot ship, then tokyo is lost too
            for (int i = 0; i < 3; i++) {
                osaka.stopNode(i);
            }
            tokyo.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("dr/s0")
                    .setSecretString("v2-never-shipped").build()));
            tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("dr/gap-only")
                    .setSecretString("only-in-tokyo").addAddReplicaRegions("osaka").build()));
            for (int i = 0; i < 3; i++) {
                tokyo.stopNode(i);
            }

            // disaster recovery: osaka comes back alone and is promoted
            for (int i = 0; i < 3; i++) {
                osaka.startNode(i);
            }
            osaka.awaitLeader();
            PromoteRegionResponse promoted = osaka.admin(0).promoteRegion(PromoteRegionRequest.getDefaultInstance());
            assertThat(promoted.getPromotedSecrets()).isEqualTo(5);
            assertThat(promoted.getSourcesList()).anySatisfy(s -> {
                assertThat(s.getRegion()).isEqualTo("tokyo");
                assertThat(s.getPromoted()).isTrue();
            });
            // everything osaka had acknowledged is there, and it is writable now
            for (int i = 0; i < 5; i++) {
                assertThat(valueIn(osaka, "dr/s" + i)).isEqualTo("v1-dr/s" + i);
                assertThat(describe(osaka, "dr/s" + i).getPrimaryRegion()).isEqualTo("osaka");
            }
            osaka.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("dr/s1")
                    .setSecretString("osaka-after-promotion").build()));
            assertRefused(() -> osaka.admin(0).promoteRegion(PromoteRegionRequest.getDefaultInstance()),
                    Status.Code.FAILED_PRECONDITION, "NOT_A_REPLICA_REGION");

            // tokyo returns: its shipping is refused, the link shows osaka's promotion
            for (int i = 0; i < 3; i++) {
                tokyo.startNode(i);
            }
            await().atMost(TestRegion.SETTLE).ignoreExceptions().untilAsserted(() -> {
                RegionLinkStatus link = tokyo.admin(0).getRegionStatus(GetRegionStatusRequest.getDefaultInstance())
                        .getLinks(0);
                assertThat(link.getState()).isEqualTo(LinkState.LINK_STATE_FENCED);
                assertThat(link.hasPromoted()).isTrue();
                assertThat(link.getPromotedEpoch()).isPositive();
            });
            ListUnshippedChangesResponse gap = tokyo.admin(1).listUnshippedChanges(
                    ListUnshippedChangesRequest.newBuilder().setRegion("osaka").build());
            assertThat(gap.getChangesList()).extracting(UnshippedChange::getName)
                    .containsExactlyInAnyOrder("dr/s0", "dr/gap-only");
            // nothing tokyo does now changes osaka
            tokyo.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("dr/s2")
                    .setSecretString("tokyo-after-return").build()));
            await().atMost(TestRegion.SETTLE).ignoreExceptions().untilAsserted(() ->
                    assertThat(tokyo.admin(0).listUnshippedChanges(ListUnshippedChangesRequest.newBuilder()
                            .setRegion("osaka").build()).getChangesCount()).isEqualTo(3));
            assertThat(valueIn(osaka, "dr/s2")).isEqualTo("v1-dr/s2");
            assertThat(valueIn(osaka, "dr/s0")).isEqualTo("v1-dr/s0");
            assertRefused(() -> valueIn(osaka, "dr/gap-only"), Status.Code.NOT_FOUND, "SECRET_NOT_FOUND");

            // failback: tokyo becomes a replica region of osaka, re-seeded from it
            osaka.admin(0).putRegionLink(PutRegionLinkRequest.newBuilder().setRegion("tokyo")
                    .addAllAddresses(List.of(tokyo.addresses().split(","))).build());
            assertThat(osaka.admin(0).replicateRegion(ReplicateRegionRequest.newBuilder().setRegion("tokyo")
                    .setForceOverwriteReplicaSecrets(true).build()).getSecrets()).isEqualTo(5);
            await().atMost(TestRegion.SETTLE).ignoreExceptions().untilAsserted(() -> {
                assertThat(valueIn(tokyo, "dr/s1")).isEqualTo("osaka-after-promotion");
                assertThat(valueIn(tokyo, "dr/s0")).isEqualTo("v1-dr/s0");
                assertThat(valueIn(tokyo, "dr/s2")).isEqualTo("v1-dr/s2");
            });
            SecretMetadata back = describe(tokyo, "dr/s1");
            assertThat(back.getPrimaryRegion()).isEqualTo("osaka");
            assertThat(back.getReplica()).isTrue();
            assertRefused(() -> tokyo.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder()
                    .setSecretId("dr/s1").setSecretString("x").build())), Status.Code.FAILED_PRECONDITION, "REPLICA_READ_ONLY");
            // what tokyo accepted alone is kept: the secret only it has, and the gap report
            assertThat(valueIn(tokyo, "dr/gap-only")).isEqualTo("only-in-tokyo");
            assertThat(tokyo.admin(0).listUnshippedChanges(ListUnshippedChangesRequest.newBuilder()
                    .setRegion("osaka").build()).getChangesList()).extracting(UnshippedChange::getName)
                    .contains("dr/s0", "dr/gap-only");
        }
    }
}
