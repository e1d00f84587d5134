package dev.kinko.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.ReadConsistency;
import dev.kinko.proto.v1.RegionLinkStatus;
import dev.kinko.proto.v1.RestoreSecretRequest;
import dev.kinko.server.storage.V1Fixture.Expected;
import dev.kinko.server.storage.V1Fixture.Peer;
import dev.kinko.server.storage.V1Fixture.SecretFacts;
import dev.kinko.server.storage.V1Fixture.StorageFacts;
import dev.kinko.server.storage.V1Fixture.VersionFacts;
import dev.kinko.server.testing.Ports;
import dev.kinko.server.testing.TestRegion;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data directories written by the storage layout v1 (revision 15aecba, the fixture in
 * {@code src/test/resources/fixtures/v1/}, made by {@link V1FixtureMaker}) still hold every
 * secret, version, label, value, tag, link, watermark and journal record when the regions
 * start on them, and replication resumes where it stopped. At 15aecba this only reopens the
 * same layout; once a new layout migrates v1 on start, it is the migration test.
 */
class V1MigrationTest {
    @TempDir
    Path dir;

    @Test
    void bothRegionsStartOnV1DataWithEverythingThereAndReplicationResumes() throws IOException {
        Expected expected = V1Fixture.expected();
        V1Fixture.unzip(dir);
        reservePorts(expected);
        // the leaders' clock runs on from just after the fixture was made: app/retiring's purge is never due
        Clock clock = Clock.offset(Clock.systemUTC(),
                Duration.ofMillis(expected.madeMillis() + 60_000 - System.currentTimeMillis()));

        // osaka first, alone: it holds what tokyo shipped before osaka stopped
        try (TestRegion osaka = TestRegion.builder("osaka", dir).peers(expected.setup().get("osaka").configPeers())
                .clock(clock).start()) {
            assertThat(V1Fixture.secrets(osaka)).isEqualTo(expected.secrets().get("osaka"));
            assertThat(V1Fixture.region(osaka)).isEqualTo(expected.regions().get("osaka"));
            for (int i = 0; i < osaka.size(); i++) {
                osaka.stopNode(i);
            }

            // tokyo while osaka is away: the unshipped journal records are still there
            try (TestRegion tokyo = TestRegion.builder("tokyo", dir)
                    .peers(expected.setup().get("tokyo").configPeers())
                    .link("osaka", expected.setup().get("tokyo").links().get("osaka")).clock(clock).start()) {
                List<SecretFacts> tokyoSecrets = V1Fixture.secrets(tokyo);
                assertThat(tokyoSecrets).isEqualTo(expected.secrets().get("tokyo"));
                assertThat(V1Fixture.region(tokyo)).isEqualTo(expected.regions().get("tokyo"));
                long head = expected.regions().get("tokyo").journalHead();
                assertThat(expected.regions().get("tokyo").links().get(0).watermark()).as("the fixture's watermark")
                        .isLessThan(head);

                // osaka back: replication resumes where it stopped
                for (int i = 0; i < osaka.size(); i++) {
                    osaka.startNode(i);
                }
                osaka.awaitLeader();
                await().atMost(TestRegion.SETTLE).untilAsserted(() -> {
                    RegionLinkStatus link = V1FixtureMaker.link(tokyo);
                    assertThat(link.getWatermark()).isEqualTo(head);
                });
                await().atMost(TestRegion.SETTLE).untilAsserted(() ->
                        assertThat(V1Fixture.secrets(osaka)).isEqualTo(inOsaka(tokyoSecrets, expected)));
                assertThat(value(osaka, "app/db/password")).isEqualTo("string:pw-4");
                assertThat(value(osaka, "app/late")).isEqualTo("string:late-1");
                assertThat(V1Fixture.secret(osaka, "app/tagged").tags()).containsEntry("owner", "alice")
                        .doesNotContainKey("env");

                // a new write reaches osaka too
                tokyo.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder()
                        .setSecretId("app/db/password").setSecretString("pw-5").build()));
                await().atMost(TestRegion.SETTLE).ignoreExceptions().untilAsserted(() ->
                        assertThat(value(osaka, "app/db/password")).isEqualTo("string:pw-5"));
                await().atMost(TestRegion.SETTLE).untilAsserted(() ->
                        assertThat(V1Fixture.secrets(osaka)).isEqualTo(inOsaka(V1Fixture.secrets(tokyo), expected)));

                // the secret scheduled for deletion is still there, value and all
                SecretFacts retiring = V1Fixture.secret(tokyo, "app/retiring");
                assertThat(retiring.deletedMillis()).isPositive();
                tokyo.withRetry(s -> s.restoreSecret(RestoreSecretRequest.newBuilder().setSecretId("app/retiring")
                        .build()));
                for (VersionFacts v : retiring.versions()) {
                    assertThat(V1Fixture.value(tokyo.withRetry(s -> s.getSecretValue(GetSecretValueRequest.newBuilder()
                            .setSecretId("app/retiring").setVersionId(v.id()).build()))))
                            .isEqualTo(expected.plaintexts().get("app/retiring " + v.id()));
                }
            }
        }
    }

    @Test
    void aV1DatabaseOpensWithEveryRecordThroughTheStateReader() throws IOException {
        Expected expected = V1Fixture.expected();
        V1Fixture.unzip(dir);
        // a v1 node keeps its RocksDB in <data dir>/db, whatever a later DataLayout says
        for (String region : List.of("tokyo", "osaka")) {
            for (Peer p : expected.setup().get(region).peers()) {
                try (RocksStorage storage = RocksStorage.open(dir.resolve(region).resolve(p.id()).resolve("db"))) {
                    StorageFacts facts = V1Fixture.storage(storage);
                    assertThat(facts).as("node %s", p.id()).isEqualTo(expected.storage().get(region));
                }
            }
        }
        // and, spelled out, on one node of tokyo
        try (RocksStorage storage = RocksStorage.open(dir.resolve("tokyo").resolve("tokyo-1").resolve("db"))) {
            for (SecretFacts s : expected.secrets().get("tokyo")) {
                assertThat(storage.idByName(s.name())).contains(s.id());
                assertThat(storage.secretById(s.id())).hasValueSatisfying(r -> {
                    assertThat(r.getName()).isEqualTo(s.name());
                    assertThat(r.getDescription()).isEqualTo(s.description());
                    assertThat(r.getTagsMap()).isEqualTo(s.tags());
                    assertThat(r.getDeletionDateMillis()).isEqualTo(s.deletedMillis());
                    assertThat(r.getVersionsList()).extracting(v -> v.getVersionId())
                            .containsExactlyInAnyOrderElementsOf(s.versions().stream().map(VersionFacts::id).toList());
                });
                for (VersionFacts v : s.versions()) {
                    assertThat(storage.value(s.id(), v.id())).as("%s %s", s.name(), v.id()).isPresent();
                }
            }
            assertThat(storage.secretsByName("app/", "", 100)).extracting(r -> r.getName())
                    .containsExactlyElementsOf(expected.secrets().get("tokyo").stream().map(SecretFacts::name).toList());
            long watermark = expected.regions().get("tokyo").links().get(0).watermark();
            assertThat(storage.link("osaka")).hasValueSatisfying(l -> assertThat(l.getWatermark()).isEqualTo(watermark));
            assertThat(storage.journalHead()).isEqualTo(expected.regions().get("tokyo").journalHead());
            assertThat(storage.journal(watermark + 1, 100)).extracting(j -> j.getSeq()).containsExactlyElementsOf(
                    expected.regions().get("tokyo").unshipped().get("osaka").stream().map(c -> c.seq()).toList());
        }
    }

    /** The fixture's Raft logs name these addresses: this JVM must hand none of them out, and they must be free. */
    private static void reservePorts(Expected expected) {
        for (V1Fixture.RegionSetup setup : expected.setup().values()) {
            for (Peer p : setup.peers()) {
                for (String address : List.of(p.raftAddress(), p.clientAddress())) {
                    int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
                    await("port " + port + " of the v1 fixture to be free").atMost(Duration.ofSeconds(10))
                            .until(() -> Ports.reserve(port));
                }
            }
        }
    }

    /** What osaka should hold once it caught up: tokyo's secrets replicated there, as replicas, and its own. */
    private static List<SecretFacts> inOsaka(List<SecretFacts> tokyo, Expected expected) {
        List<SecretFacts> out = new ArrayList<>();
        for (SecretFacts s : tokyo) {
            if (s.replicaRegions().contains("osaka")) {
                out.add(new SecretFacts(s.name(), s.id(), s.description(), s.tags(), "tokyo", true, List.of(),
                        s.createdMillis(), s.lastChangedMillis(), s.deletedMillis(), s.versions()));
            }
        }
        expected.secrets().get("osaka").stream().filter(s -> s.primaryRegion().equals("osaka")).forEach(out::add);
        out.sort(Comparator.comparing(SecretFacts::name));
        return out;
    }

    private static String value(TestRegion region, String name) {
        return V1Fixture.value(region.withRetry(s -> s.getSecretValue(GetSecretValueRequest.newBuilder()
                .setSecretId(name).setConsistency(ReadConsistency.READ_CONSISTENCY_LINEARIZABLE).build())));
    }
}
