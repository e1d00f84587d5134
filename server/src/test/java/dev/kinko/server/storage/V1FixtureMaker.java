package dev.kinko.server.storage;

import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.DeleteSecretRequest;
import dev.kinko.proto.v1.GetRegionStatusRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.RegionLinkStatus;
import dev.kinko.proto.v1.Tag;
import dev.kinko.proto.v1.TagResourceRequest;
import dev.kinko.proto.v1.UntagResourceRequest;
import dev.kinko.proto.v1.UpdateSecretRequest;
import dev.kinko.proto.v1.UpdateSecretVersionStageRequest;
import dev.kinko.server.config.NodeConfig;
import dev.kinko.server.storage.V1Fixture.Expected;
import dev.kinko.server.storage.V1Fixture.Peer;
import dev.kinko.server.storage.V1Fixture.RegionFacts;
import dev.kinko.server.storage.V1Fixture.RegionSetup;
import dev.kinko.server.storage.V1Fixture.SecretFacts;
import dev.kinko.server.storage.V1Fixture.StorageFacts;
import dev.kinko.server.storage.V1Fixture.VersionFacts;
import dev.kinko.server.testing.TestRegion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Makes the v1 data-directory fixture. <b>Run at revision 15aecba</b> (the last layout v1
 * code) to make the v1 fixture; running it with a later layout makes a fixture of that layout
 * instead, which is not what {@link V1MigrationTest} is for.
 *
 * <p>Two regions, tokyo (primary) and osaka (replica), 3 nodes each, with {@link TestRegion}:
 * secrets replicated to osaka (one with several versions and custom labels, one binary, one
 * with tags), a secret scheduled for deletion, unreplicated ones, and one of osaka's own; osaka
 * catches up; then osaka stops and tokyo takes more changes, so tokyo's journal holds records
 * osaka never got (watermark &lt; journal head). Everything stops cleanly and the whole test
 * directory (both regions' node data directories, key files, root token files; not the TLS
 * certificates, which {@code TestPki} makes per JVM for the same node ids) is zipped into
 * {@code v1-data.zip}, beside {@code expected.json} with what the regions held (the plaintexts
 * are test data). The nodes' addresses are recorded too: the Raft logs name them, so the
 * regions must start on the same ports again.
 *
 * <p>Regenerate (at 15aecba, from the repository root):
 * <pre>
 * mvn -B -o -q -pl proto,server test -Dtest=V1FixtureMaker -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dkinko.v1fixture.out=$PWD/server/src/test/resources/fixtures/v1
 * </pre>
 * or run {@link #main} with that directory as its argument.
 */
public final class V1FixtureMaker {
    static final String WRITTEN_BY = "revision 15aecba (storage layout v1), V1FixtureMaker";
    /** 256 bytes: every byte value once, NUL and 0xff included. */
    static final byte[] BINARY = binary();

    public static void main(String[] args) throws Exception {
        make(Path.of(args.length > 0 ? args[0] : "server/src/test/resources/fixtures/v1"));
        System.exit(0); // Ratis and gRPC leave non-daemon threads behind
    }

    /** Through surefire, only when asked: {@code -Dkinko.v1fixture.out=<dir>}. */
    @Test
    @EnabledIfSystemProperty(named = "kinko.v1fixture.out", matches = ".+")
    void make() throws Exception {
        make(Path.of(System.getProperty("kinko.v1fixture.out")));
    }

    private static byte[] binary() {
        byte[] b = new byte[256];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    static void make(Path out) throws Exception {
        Path root = Files.createTempDirectory("kinko-v1-fixture");
        try {
            Map<String, String> plaintexts = new TreeMap<>();
            Map<String, RegionSetup> setup = new LinkedHashMap<>();
            Map<String, List<SecretFacts>> secrets = new LinkedHashMap<>();
            Map<String, RegionFacts> regions = new LinkedHashMap<>();
            long madeMillis;
            try (TestRegion osaka = TestRegion.start("osaka", root);
                 TestRegion tokyo = TestRegion.builder("tokyo", root).link(osaka).start()) {
                setup.put("tokyo", new RegionSetup(peers(tokyo), Map.of("osaka", List.of(osaka.addresses().split(",")))));
                setup.put("osaka", new RegionSetup(peers(osaka), Map.of()));

                // --- replicated to osaka, shipped --------------------------------------------
                String db = "app/db/password";
                String v1 = create(tokyo, plaintexts, CreateSecretRequest.newBuilder().setName(db)
                        .setDescription("the primary database password").addTags(tag("team", "db"))
                        .setSecretString("pw-1").addAddReplicaRegions("osaka"));
                put(tokyo, plaintexts, db, "pw-2");
                put(tokyo, plaintexts, db, "pw-3", "PENDING", "blue");
                tokyo.withRetry(s -> s.updateSecretVersionStage(UpdateSecretVersionStageRequest.newBuilder()
                        .setSecretId(db).setVersionStage("green").setMoveToVersionId(v1).build()));
                create(tokyo, plaintexts, CreateSecretRequest.newBuilder().setName("app/api/signing-key")
                        .setDescription("binary").setSecretBinary(ByteString.copyFrom(BINARY))
                        .addAddReplicaRegions("osaka"));
                create(tokyo, plaintexts, CreateSecretRequest.newBuilder().setName("app/tagged")
                        .setDescription("tagged").addTags(tag("team", "payments")).addTags(tag("env", "prod"))
                        .addTags(tag("cost-center", "4711")).setSecretString("tagged-1").addAddReplicaRegions("osaka"));
                // --- tokyo only ------------------------------------------------------------------
                create(tokyo, plaintexts, CreateSecretRequest.newBuilder().setName("app/retiring")
                        .setSecretString("retiring-1"));
                tokyo.withRetry(s -> s.deleteSecret(DeleteSecretRequest.newBuilder().setSecretId("app/retiring")
                        .setRecoveryWindowInDays(7).build()));
                create(tokyo, plaintexts, CreateSecretRequest.newBuilder().setName("app/local-only")
                        .setSecretString("local-1"));
                put(tokyo, plaintexts, "app/local-only", "local-2");
                // --- osaka's own -----------------------------------------------------------------
                create(osaka, plaintexts, CreateSecretRequest.newBuilder().setName("osaka/own")
                        .setSecretString("osaka-own-1"));

                await().atMost(TestRegion.SETTLE).until(() -> {
                    RegionLinkStatus link = link(tokyo);
                    return link.getWatermark() == link.getJournalHead() && link.getJournalHead() > 0;
                });
                awaitTruncatedAndApplied(tokyo);
                secrets.put("osaka", V1Fixture.secrets(osaka));
                regions.put("osaka", V1Fixture.region(osaka));

                // --- osaka away: these stay in tokyo's journal -------------------------------------
                for (int i = 0; i < osaka.size(); i++) {
                    osaka.stopNode(i);
                }
                put(tokyo, plaintexts, db, "pw-4");
                create(tokyo, plaintexts, CreateSecretRequest.newBuilder().setName("app/late")
                        .setDescription("created while osaka was away").setSecretString("late-1")
                        .addAddReplicaRegions("osaka"));
                tokyo.withRetry(s -> s.tagResource(TagResourceRequest.newBuilder().setSecretId("app/tagged")
                        .addTags(tag("owner", "alice")).build()));
                tokyo.withRetry(s -> s.untagResource(UntagResourceRequest.newBuilder().setSecretId("app/tagged")
                        .addTagKeys("env").build()));
                tokyo.withRetry(s -> s.updateSecret(UpdateSecretRequest.newBuilder().setSecretId("app/tagged")
                        .setDescription("tagged, changed while osaka was away").build()));
                awaitTruncatedAndApplied(tokyo);
                secrets.put("tokyo", V1Fixture.secrets(tokyo));
                regions.put("tokyo", V1Fixture.region(tokyo));
                madeMillis = System.currentTimeMillis();
            }

            check(secrets, regions, plaintexts);
            Map<String, StorageFacts> storage = new LinkedHashMap<>();
            for (String region : List.of("tokyo", "osaka")) {
                StorageFacts first = null;
                for (Peer p : setup.get(region).peers()) {
                    try (RocksStorage s = RocksStorage.open(new DataLayout(root.resolve(region).resolve(p.id())).db())) {
                        StorageFacts facts = V1Fixture.storage(s);
                        if (first != null && !first.equals(facts)) {
                            throw new IllegalStateException("node " + p.id() + " holds other records than its region's"
                                    + " first node; run again\n" + first + "\n" + facts);
                        }
                        first = facts;
                    }
                }
                storage.put(region, first);
            }

            Files.createDirectories(out);
            V1Fixture.write(new Expected(WRITTEN_BY, madeMillis, setup, secrets, regions, storage, plaintexts),
                    out.resolve(V1Fixture.EXPECTED));
            // RocksDB's info logs are not needed to open a database
            V1Fixture.zip(root, out.resolve(V1Fixture.ZIP), p -> !p.getFileName().toString().startsWith("LOG"));
            System.out.println("v1 fixture: " + out.resolve(V1Fixture.ZIP) + " ("
                    + Files.size(out.resolve(V1Fixture.ZIP)) + " bytes) and " + out.resolve(V1Fixture.EXPECTED));
        } finally {
            FileTrees.delete(root);
        }
    }

    /** What the maker put is what the regions show, and the journal holds what osaka missed. */
    private static void check(Map<String, List<SecretFacts>> secrets, Map<String, RegionFacts> regions,
                              Map<String, String> plaintexts) {
        for (List<SecretFacts> region : secrets.values()) {
            for (SecretFacts s : region) {
                for (VersionFacts v : s.versions()) {
                    if (v.value() != null && !v.value().equals(plaintexts.get(s.name() + " " + v.id()))) {
                        throw new IllegalStateException(s.name() + " " + v.id() + " reads another value than was put");
                    }
                }
            }
        }
        RegionFacts tokyo = regions.get("tokyo");
        if (tokyo.links().get(0).watermark() >= tokyo.journalHead() || tokyo.unshipped().get("osaka").isEmpty()) {
            throw new IllegalStateException("tokyo's journal holds nothing osaka has not applied: " + tokyo);
        }
    }

    private static List<Peer> peers(TestRegion region) {
        return region.config(0).peers().stream()
                .map((NodeConfig.Peer p) -> new Peer(p.id(), p.raftAddress(), p.clientAddress())).toList();
    }

    private static Tag tag(String key, String value) {
        return Tag.newBuilder().setKey(key).setValue(value).build();
    }

    private static String create(TestRegion region, Map<String, String> plaintexts, CreateSecretRequest.Builder r) {
        String versionId = region.withRetry(s -> s.createSecret(r.build())).getVersionId();
        plaintexts.put(r.getName() + " " + versionId, r.hasSecretBinary()
                ? "binary:" + Base64.getEncoder().encodeToString(r.getSecretBinary().toByteArray())
                : "string:" + r.getSecretString());
        return versionId;
    }

    private static String put(TestRegion region, Map<String, String> plaintexts, String name, String value,
                              String... stages) {
        String versionId = region.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name)
                .setSecretString(value).addAllVersionStages(List.of(stages)).build())).getVersionId();
        plaintexts.put(name + " " + versionId, "string:" + value);
        return versionId;
    }

    static RegionLinkStatus link(TestRegion tokyo) {
        return tokyo.admin(tokyo.awaitLeader()).getRegionStatus(GetRegionStatusRequest.getDefaultInstance())
                .getLinksList().stream().filter(l -> l.getRegion().equals("osaka")).findFirst().orElseThrow();
    }

    /** Tokyo dropped the journal records osaka has (every 2 s), and every node applied what the leader did. */
    private static void awaitTruncatedAndApplied(TestRegion tokyo) {
        await().atMost(TestRegion.SETTLE).until(() -> {
            RocksStorage leader = tokyo.node(tokyo.awaitLeader()).raft().stateMachine().storage();
            long watermark = leader.link("osaka").orElseThrow().getWatermark();
            if (leader.journalStart() != watermark + 1) {
                return false;
            }
            for (int i = 0; i < tokyo.size(); i++) {
                RocksStorage s = tokyo.node(i).raft().stateMachine().storage();
                if (s.journalHead() != leader.journalHead() || s.journalStart() != leader.journalStart()
                        || !Objects.equals(s.link("osaka"), leader.link("osaka"))) {
                    return false;
                }
            }
            return true;
        });
    }
}
