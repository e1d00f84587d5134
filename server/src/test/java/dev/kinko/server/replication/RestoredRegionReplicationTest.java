package dev.kinko.server.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.GetRegionStatusRequest;
import dev.kinko.proto.v1.PutRegionLinkRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.RegionLinkStatus;
import dev.kinko.server.testing.TestRegion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A region restored from a backup goes back in its journal. Replication must neither skip the
 * restored primary's new changes (the replica already applied other changes under the same
 * sequences) nor leave a restored replica without the changes it lost (the primary's
 * watermark says they were delivered).
 */
class RestoredRegionReplicationTest {
    @TempDir
    Path dir;

    @Test
    void aPrimaryRestoredFromABackupReseedsItsReplicaRegionThenShipsItsNewChanges() {
        try (TestRegion osaka = TestRegion.start("osaka", dir)) {
            Path backup = dir.resolve("tokyo.kinko-backup");
            try (TestRegion tokyo = TestRegion.builder("tokyo", dir).link(osaka).start()) {
                createReplicated(tokyo, "restored/p", 3);
                awaitInSync(tokyo);
                tokyo.backup(tokyo.awaitLeader(), backup);
                Files.copy(tokyo.config(0).keyFile(), dir.resolve("tokyo.key"));
                Files.copy(tokyo.config(0).rootTokenFile(), dir.resolve("tokyo.root-token"));
                // shipped to osaka, then lost with tokyo: osaka has applied sequences the backup never issued
                putValues(tokyo, "restored/p0", "lost-", 8);
                tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("restored/late")
                        .setSecretString("late").addAddReplicaRegions("osaka").build()));
                awaitInSync(tokyo);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            try (TestRegion tokyo = TestRegion.builder("tokyo", dir.resolve("restored")).link(osaka)
                    .restoreFrom(backup, dir.resolve("tokyo.key"), dir.resolve("tokyo.root-token")).start()) {
                // issued again under the sequences osaka already applied
                putValues(tokyo, "restored/p0", "new-", 4);
                putValues(tokyo, "restored/p1", "new-", 4);
                awaitInSync(tokyo);
                assertThat(RegionState.of(osaka, "restored/p")).isEqualTo(RegionState.of(tokyo, "restored/p"));
                // what only the lost tokyo had stays readable in osaka, as osaka's own
                assertThat(ReplicationScenarioTest.describe(osaka, "restored/late").getPrimaryRegion()).isEqualTo("osaka");
            }
        }
    }

    @Test
    void aReplicaRegionRestoredFromABackupGetsTheChangesItLostAgain() throws Exception {
        Path backup = dir.resolve("osaka.kinko-backup");
        TestRegion osaka = TestRegion.start("osaka", dir);
        try (TestRegion tokyo = TestRegion.builder("tokyo", dir).link(osaka).start()) {
            try {
                createReplicated(tokyo, "restored/r", 3);
                awaitInSync(tokyo);
                osaka.backup(osaka.awaitLeader(), backup);
                Files.copy(osaka.config(0).keyFile(), dir.resolve("osaka.key"));
                Files.copy(osaka.config(0).rootTokenFile(), dir.resolve("osaka.root-token"));
                // acknowledged by osaka, then lost with it
                putValues(tokyo, "restored/r0", "lost-", 5);
                awaitInSync(tokyo);
            } finally {
                osaka.close();
            }
            osaka = TestRegion.builder("osaka", dir.resolve("restored")).restoreFrom(backup, dir.resolve("osaka.key"), dir.resolve("osaka.root-token"))
                    .start();
            tokyo.admin(tokyo.awaitLeader()).putRegionLink(PutRegionLinkRequest.newBuilder().setRegion("osaka")
                    .addAllAddresses(List.of(osaka.addresses().split(","))).build());
            putValues(tokyo, "restored/r1", "new-", 2);
            TestRegion restored = osaka;
            await().atMost(TestRegion.SETTLE).ignoreExceptions().untilAsserted(() ->
                    assertThat(RegionState.of(restored, "restored/r")).isEqualTo(RegionState.of(tokyo, "restored/r")));
            // the lost changes came back because shipping went back to what the restored region holds
            assertThat(MetricsTest.linkMetricOfRegion(tokyo, "kinko_replication_rewinds_total", "osaka")).isPositive();
        } finally {
            osaka.close();
        }
    }

    /** Creates secrets {@code prefix}0 .. {@code prefix}(count-1) in tokyo, each replicated to osaka, value "v0". */
    static void createReplicated(TestRegion tokyo, String prefix, int count) {
        for (int i = 0; i < count; i++) {
            String name = prefix + i;
            tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(name)
                    .setSecretString("v0").addAddReplicaRegions("osaka").build()));
        }
    }

    private static void putValues(TestRegion tokyo, String name, String valuePrefix, int count) {
        for (int n = 1; n <= count; n++) {
            String value = valuePrefix + n;
            tokyo.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name)
                    .setSecretString(value).build()));
        }
    }

    private static void awaitInSync(TestRegion tokyo) {
        await().atMost(TestRegion.SETTLE).ignoreExceptions().untilAsserted(() -> {
            RegionLinkStatus link = tokyo.admin(tokyo.awaitLeader())
                    .getRegionStatus(GetRegionStatusRequest.getDefaultInstance()).getLinks(0);
            assertThat(link.getWatermark()).isEqualTo(link.getJournalHead());
        });
    }
}
