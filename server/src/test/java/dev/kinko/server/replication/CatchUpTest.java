package dev.kinko.server.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.GetRegionStatusRequest;
import dev.kinko.proto.v1.GetRegionStatusResponse;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.RegionLinkStatus;
import dev.kinko.proto.v1.RemoveRegionsFromReplicationRequest;
import dev.kinko.server.testing.TestRegion;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** osaka stopped for a while, then back: it catches up from the journal, or from a full copy when the journal moved on. */
class CatchUpTest {
    /** Journal records tokyo keeps for a lagging osaka in the re-seed case. */
    static final long SMALL_JOURNAL = 10;

    @TempDir
    Path dir;

    @Test
    void osakaCatchesUpFromTheJournal() {
        try (TestRegion osaka = TestRegion.start("osaka", dir);
             TestRegion tokyo = TestRegion.builder("tokyo", dir).link(osaka).start()) {
            writeWhileOsakaIsDown(tokyo, osaka, 20, false);
            awaitInSync(tokyo);
            assertThat(RegionState.of(osaka, "catch/")).isEqualTo(RegionState.of(tokyo, "catch/"));
        }
    }

    @Test
    void osakaBehindTheTruncatedJournalIsReseededFromAFullCopy() {
        try (TestRegion osaka = TestRegion.start("osaka", dir);
             TestRegion tokyo = TestRegion.builder("tokyo", dir).link(osaka).maxJournalLag(SMALL_JOURNAL).start()) {
            tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("catch/detached")
                    .setSecretString("d1").addAddReplicaRegions("osaka").build()));
            long watermarkBefore = writeWhileOsakaIsDown(tokyo, osaka, 40, true);
            // tokyo truncated what osaka still needed
            assertThat(status(tokyo).getJournalStart()).isGreaterThan(watermarkBefore + 1);
            awaitInSync(tokyo);
            assertThat(RegionState.of(osaka, "catch/s")).isEqualTo(RegionState.of(tokyo, "catch/s"));
            // a secret whose replication ended while osaka was away stays there, standalone
            assertThat(ReplicationScenarioTest.describe(osaka, "catch/detached").getPrimaryRegion()).isEqualTo("osaka");
        }
    }

    /** Writes {@code changes} while osaka is stopped; returns the link's watermark from before. */
    private static long writeWhileOsakaIsDown(TestRegion tokyo, TestRegion osaka, int changes, boolean truncated) {
        for (int i = 0; i < 5; i++) {
            String name = "catch/s" + i;
            tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(name)
                    .setSecretString("v0").addAddReplicaRegions("osaka").build()));
        }
        awaitInSync(tokyo);
        long watermark = link(tokyo).getWatermark();
        for (int i = 0; i < 3; i++) {
            osaka.stopNode(i);
        }
        for (int n = 1; n <= changes; n++) {
            String name = "catch/s" + (n % 5);
            String value = "v" + n;
            tokyo.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name)
                    .setSecretString(value).build()));
        }
        try {
            tokyo.withRetry(s -> s.removeRegionsFromReplication(RemoveRegionsFromReplicationRequest.newBuilder()
                    .setSecretId("catch/detached").addRemoveReplicaRegions("osaka").build()));
        } catch (io.grpc.StatusRuntimeException notReplicated) {
            // only the re-seed case created it
        }
        if (truncated) {
            // the journal moves on past what osaka still needs
            await().atMost(TestRegion.SETTLE).until(() -> status(tokyo).getJournalStart() > watermark + 1);
        }
        for (int i = 0; i < 3; i++) {
            osaka.startNode(i);
        }
        return watermark;
    }

    static void awaitInSync(TestRegion tokyo) {
        await().atMost(TestRegion.SETTLE).ignoreExceptions().untilAsserted(() -> {
            RegionLinkStatus link = link(tokyo);
            assertThat(link.getWatermark()).isEqualTo(link.getJournalHead());
        });
    }

    private static GetRegionStatusResponse status(TestRegion tokyo) {
        return tokyo.admin(tokyo.awaitLeader()).getRegionStatus(GetRegionStatusRequest.getDefaultInstance());
    }

    private static RegionLinkStatus link(TestRegion tokyo) {
        return status(tokyo).getLinks(0);
    }
}
