package dev.kinko.server.storage;

import static dev.kinko.server.storage.StorageFixtures.dump;
import static dev.kinko.server.storage.StorageFixtures.id;
import static dev.kinko.server.storage.StorageFixtures.regionKey;
import static dev.kinko.server.storage.StorageFixtures.sealed;
import static dev.kinko.server.storage.StorageFixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kinko.proto.raft.v1.RegionKeyRecord;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.TokenRecord;
import dev.kinko.server.domain.StateQueries.ValueRef;
import dev.kinko.server.storage.RocksStorage.Applied;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocksStorageTest {
    @TempDir
    Path dir;
    private Path dbDir;
    private RocksStorage storage;

    @BeforeEach
    void open() throws IOException {
        dbDir = dir.resolve("db");
        storage = RocksStorage.open(dbDir);
    }

    @AfterEach
    void close() {
        storage.close();
    }

    private void commitSecrets(long index, SecretRecord... records) {
        StorageBatch batch = storage.newBatch();
        for (SecretRecord r : records) {
            batch.putSecret(null, r);
            r.getVersionsList().forEach(v -> batch.putValue(r.getId(), v.getVersionId(), sealed(1, v.getVersionId())));
        }
        storage.commit(batch, 1, index);
    }

    private List<String> names(List<SecretRecord> records) {
        return records.stream().map(SecretRecord::getName).toList();
    }

    @Test
    void aFreshStorageHasAppliedNothing() {
        assertThat(storage.applied()).isEqualTo(new Applied(0, -1));
        assertThat(storage.regionKeys()).isEmpty();
    }

    @Test
    void commitWritesRecordsAndTheAppliedIndexTogether() {
        StorageBatch batch = storage.newBatch();
        batch.putSecret(null, secret(id("id-1"), "prod/a", 0, "v1"));
        batch.putValue(id("id-1"), "v1", sealed(1, "v1"));
        batch.putRegionKey(regionKey(1));

        storage.commit(batch, 3, 42);

        assertThat(storage.applied()).isEqualTo(new Applied(3, 42));
        assertThat(storage.secretById(id("id-1"))).contains(secret(id("id-1"), "prod/a", 0, "v1"));
        assertThat(storage.idByName("prod/a")).contains(id("id-1"));
        assertThat(storage.resolve(id("id-1"))).isPresent();
        assertThat(storage.value(id("id-1"), "v1")).contains(sealed(1, "v1"));
        assertThat(storage.regionKeys()).containsExactly(regionKey(1));
    }

    @Test
    void aViewReadsOnePointInTimeWhileWritesGoOn() {
        commitSecrets(1, secret(id("id-1"), "prod/a", 0, "v1"));
        try (dev.kinko.server.domain.StateViews.View view = storage.view()) {
            StorageBatch later = storage.newBatch();
            SecretRecord before = storage.secretById(id("id-1")).orElseThrow();
            later.putSecret(before, before.toBuilder().setDescription("changed").build());
            later.putSecret(null, secret(id("id-2"), "prod/b", 0));
            storage.commit(later, 1, 2);

            assertThat(storage.secretById(id("id-1")).orElseThrow().getDescription()).isEqualTo("changed");
            assertThat(view.secretById(id("id-1")).orElseThrow().getDescription()).isEmpty();
            assertThat(view.idByName("prod/b")).isEmpty();
            assertThat(view.secretsByName("", "", 10)).extracting(SecretRecord::getName).containsExactly("prod/a");
            assertThat(view.value(id("id-1"), "v1")).contains(sealed(1, "v1"));
        }
        assertThat(storage.idByName("prod/b")).contains(id("id-2"));
    }

    @Test
    void aSecretReadsBackWithItsVersionsLabelsAndReplicasFromSeparateKeys() {
        SecretRecord s = secret(id("id-1"), "prod/a", 0, "v1", "v2", "v3").toBuilder()
                .setVersions(1, secret(id("id-1"), "prod/a", 0, "v1", "v2").getVersions(1).toBuilder()
                        .addStages("AWSPREVIOUS"))
                .setVersions(2, secret(id("id-1"), "prod/a", 0, "v1", "v2", "v3").getVersions(2).toBuilder()
                        .addStages("AWSCURRENT").addStages("blue"))
                .addReplicas(dev.kinko.proto.raft.v1.ReplicaRecord.newBuilder().setRegion("osaka").setLastSeq(4))
                .build();
        commitSecrets(1, s);

        assertThat(storage.secretById(id("id-1"))).contains(s);
        assertThat(storage.header(id("id-1")).orElseThrow().getVersionsCount()).isZero();
        assertThat(storage.versionByLabel(id("id-1"), "blue").orElseThrow().getVersionId()).isEqualTo("v3");
        assertThat(storage.versionById(id("id-1"), "v2").orElseThrow().getStagesList()).containsExactly("AWSPREVIOUS");
        assertThat(storage.secretsReplicatedTo("osaka", "", 10)).containsExactly(id("id-1"));
        assertThat(storage.secretsWithPrimary("tokyo", "", 10)).containsExactly(id("id-1"));
        assertThat(storage.primaryRegions()).containsExactly("tokyo");
        assertThat(storage.secretById("not-a-uuid")).isEmpty();
    }

    @Test
    void anEmptyBatchStillAdvancesTheAppliedIndex() {
        storage.commit(storage.newBatch(), 1, 0);
        storage.commit(storage.newBatch(), 2, 1);
        assertThat(storage.applied()).isEqualTo(new Applied(2, 1));
    }

    @Test
    void secretsByNamePagesByPrefixAfterNameAndLimit() {
        commitSecrets(1, secret(id("i3"), "app/c", 0), secret(id("i1"), "app/a", 0), secret(id("i4"), "db/x", 0),
                secret(id("i2"), "app/b", 0), secret(id("i0"), "aaa", 0));

        assertThat(names(storage.secretsByName("", "", 100))).containsExactly("aaa", "app/a", "app/b", "app/c", "db/x");
        assertThat(names(storage.secretsByName("app/", "", 100))).containsExactly("app/a", "app/b", "app/c");
        assertThat(names(storage.secretsByName("app/", "", 2))).containsExactly("app/a", "app/b");
        assertThat(names(storage.secretsByName("app/", "app/b", 2))).as("afterName is exclusive")
                .containsExactly("app/c");
        assertThat(names(storage.secretsByName("app/", "app/c", 2))).isEmpty();
        assertThat(names(storage.secretsByName("app/", "app/a0", 10))).as("afterName need not exist")
                .containsExactly("app/b", "app/c");
        assertThat(names(storage.secretsByName("app/", "a", 10))).as("afterName before the prefix")
                .containsExactly("app/a", "app/b", "app/c");
        assertThat(names(storage.secretsByName("", "app/c", 10))).containsExactly("db/x");
        assertThat(names(storage.secretsByName("zzz", "", 10))).isEmpty();
        assertThat(storage.secretsByName("", "", 0)).isEmpty();
    }

    @Test
    void pagingVisitsEveryNameOnce() {
        SecretRecord[] records = new SecretRecord[25];
        for (int i = 0; i < records.length; i++) {
            records[i] = secret(id("id-" + i), String.format("svc/%02d", i), 0);
        }
        commitSecrets(1, records);

        List<String> seen = new java.util.ArrayList<>();
        String after = "";
        while (true) {
            List<SecretRecord> page = storage.secretsByName("svc/", after, 7);
            if (page.isEmpty()) {
                break;
            }
            assertThat(page.size()).isLessThanOrEqualTo(7);
            seen.addAll(names(page));
            after = page.get(page.size() - 1).getName();
        }
        assertThat(seen).hasSize(25).doesNotHaveDuplicates().isSorted();
    }

    @Test
    void deletionsDueComeInDateOrder() {
        commitSecrets(1, secret(id("late"), "n/late", 3_000), secret(id("early"), "n/early", 1_000),
                secret(id("mid"), "n/mid", 2_000), secret(id("live"), "n/live", 0));

        assertThat(storage.deletionsDue(Long.MAX_VALUE, 10)).containsExactly(id("early"), id("mid"), id("late"));
        assertThat(storage.deletionsDue(2_000, 10)).as("due at the date itself").containsExactly(id("early"), id("mid"));
        assertThat(storage.deletionsDue(1_999, 10)).containsExactly(id("early"));
        assertThat(storage.deletionsDue(999, 10)).isEmpty();
        assertThat(storage.deletionsDue(Long.MAX_VALUE, 2)).containsExactly(id("early"), id("mid"));
        assertThat(storage.deletionsDue(Long.MAX_VALUE, 0)).isEmpty();
    }

    @Test
    void deletionsDueOrderByDateNotByDigitCount() {
        // 9_000 vs 10_000: a text encoding would sort "10000" first
        commitSecrets(1, secret(id("b"), "n/b", 10_000), secret(id("a"), "n/a", 9_000),
                secret(id("c"), "n/c", 1_700_000_000_000L));
        assertThat(storage.deletionsDue(Long.MAX_VALUE, 10)).containsExactly(id("a"), id("b"), id("c"));
    }

    /** Stores the secrets with one value per version, the value's key version from {@code keyVersions}. */
    private void commitValues(SecretRecord secret, int... keyVersions) {
        StorageBatch batch = storage.newBatch();
        batch.putSecret(null, secret);
        for (int i = 0; i < keyVersions.length; i++) {
            String v = secret.getVersions(i).getVersionId();
            batch.putValue(secret.getId(), v, sealed(keyVersions[i], v));
        }
        storage.commit(batch, 1, storage.applied().index() + 1);
    }

    private static ValueRef ref(String secretLabel, long ordinal, String versionId) {
        return new ValueRef(id(secretLabel), ordinal, versionId);
    }

    @Test
    void valuesWrappedBeforeFindsOldKeyVersions() {
        commitValues(secret(id("s1"), "n/s1", 0, "v1", "v2"), 1, 2);
        commitValues(secret(id("s2"), "n/s2", 0, "v1"), 3);
        commitValues(secret(id("s3"), "n/s3", 0, "v9"), 1);

        assertThat(storage.valuesWrappedBefore(3, 10))
                .containsExactly(ref("s1", 0, "v1"), ref("s1", 1, "v2"), ref("s3", 0, "v9"));
        assertThat(storage.valuesWrappedBefore(2, 10)).containsExactly(ref("s1", 0, "v1"), ref("s3", 0, "v9"));
        assertThat(storage.valuesWrappedBefore(1, 10)).isEmpty();
        assertThat(storage.valuesWrappedBefore(3, 2)).containsExactly(ref("s1", 0, "v1"), ref("s1", 1, "v2"));
        // a cursor: strictly after the value named
        assertThat(storage.valuesWrappedBefore(3, ref("s1", 1, "v2"), 10)).containsExactly(ref("s3", 0, "v9"));
        assertThat(storage.valuesWrappedBefore(3, ref("s1", 0, "v1"), 1)).containsExactly(ref("s1", 1, "v2"));
        assertThat(storage.valuesWrappedBefore(3, ref("s3", 0, "v9"), 10)).isEmpty();
    }

    @Test
    void valuesWrappedBeforeHonoursALimitOfZero() {
        commitValues(secret(id("s1"), "n/s1", 0, "v1"), 1);
        assertThat(storage.valuesWrappedBefore(2, 0)).isEmpty();
    }

    @Test
    void versionIdsThatExtendEachOtherStayApart() {
        commitValues(secret(id("s1"), "n/s1", 0, "v1", "v10"), 1, 1);
        assertThat(storage.value(id("s1"), "v1")).contains(sealed(1, "v1"));
        assertThat(storage.value(id("s1"), "v10")).contains(sealed(1, "v10"));
        assertThat(storage.valuesWrappedBefore(2, ref("s1", 0, "v1"), 10)).containsExactly(ref("s1", 1, "v10"));
    }

    @Test
    void regionKeysAreReadAgainOnlyAfterACommitThatWroteOneOrANewDatabase() throws IOException {
        StorageBatch first = storage.newBatch();
        first.putRegionKey(regionKey(1));
        storage.commit(first, 1, 1);
        List<RegionKeyRecord> one = storage.regionKeys();
        assertThat(one).containsExactly(regionKey(1));
        Path checkpoint = dir.resolve("checkpoint");
        storage.checkpoint(checkpoint);

        commitSecrets(2, secret(id("id-1"), "prod/a", 0, "v1"));
        assertThat(storage.regionKeys()).isSameAs(one); // no key written: the copy in memory stands

        StorageBatch second = storage.newBatch();
        second.putRegionKey(regionKey(2));
        storage.commit(second, 1, 3);
        assertThat(storage.regionKeys()).containsExactly(regionKey(1), regionKey(2));

        storage.replaceWith(checkpoint);
        assertThat(storage.regionKeys()).containsExactly(regionKey(1));
    }

    @Test
    void tokensAreReadAgainOnlyAfterACommitThatWroteOneOrANewDatabase() throws IOException {
        TokenRecord t1 = TokenRecord.newBuilder().setAccessor("acc-1").addPolicies("read").build();
        StorageBatch first = storage.newBatch();
        first.putToken(t1);
        storage.commit(first, 1, 1);
        TokenRecord cached = storage.token("acc-1").orElseThrow();
        assertThat(cached).isEqualTo(t1);
        assertThat(storage.token("acc-unknown")).isEmpty();
        Path checkpoint = dir.resolve("checkpoint");
        storage.checkpoint(checkpoint);

        commitSecrets(2, secret(id("id-1"), "prod/a", 0, "v1"));
        assertThat(storage.token("acc-1").orElseThrow()).isSameAs(cached); // no token written: the copy stands

        StorageBatch changed = storage.newBatch();
        changed.putToken(t1.toBuilder().addPolicies("write").build());
        storage.commit(changed, 1, 3);
        assertThat(storage.token("acc-1").orElseThrow().getPoliciesList()).containsExactly("read", "write");

        StorageBatch revoked = storage.newBatch();
        revoked.removeToken("acc-1");
        storage.commit(revoked, 1, 4);
        assertThat(storage.token("acc-1")).isEmpty();

        storage.replaceWith(checkpoint);
        assertThat(storage.token("acc-1")).contains(t1);
    }

    @Test
    void atMostMaxCachedTokensAreKeptInMemoryAndTheRestAreReadEachTime() {
        StorageBatch many = storage.newBatch();
        for (int i = 0; i <= RocksStorage.MAX_CACHED_TOKENS; i++) {
            many.putToken(TokenRecord.newBuilder().setAccessor("acc-" + i).build());
        }
        storage.commit(many, 1, 1);
        for (int i = 0; i <= RocksStorage.MAX_CACHED_TOKENS; i++) {
            storage.token("acc-" + i).orElseThrow();
        }
        String atTheLimit = "acc-" + (RocksStorage.MAX_CACHED_TOKENS - 1);
        assertThat(storage.token(atTheLimit).orElseThrow()).isSameAs(storage.token(atTheLimit).orElseThrow());
        String onePast = "acc-" + RocksStorage.MAX_CACHED_TOKENS;
        TokenRecord read = storage.token(onePast).orElseThrow();
        assertThat(storage.token(onePast).orElseThrow()).isEqualTo(read).isNotSameAs(read);
    }

    @Test
    void checkpointThenReplaceWithRestoresTheExactState() throws IOException {
        commitSecrets(5, secret(id("id-1"), "prod/a", 0, "v1", "v2"), secret(id("id-2"), "prod/b", 7_000, "w1"));
        StorageBatch keys = storage.newBatch();
        keys.putRegionKey(regionKey(1));
        storage.commit(keys, 2, 6);
        Map<String, Object> atSix = dump(storage);
        Path checkpoint = dir.resolve("checkpoint");

        storage.checkpoint(checkpoint);

        StorageBatch later = storage.newBatch();
        later.removeSecret(storage.secretById(id("id-2")).orElseThrow());
        later.putSecret(null, secret(id("id-3"), "prod/c", 0, "x1"));
        later.putValue(id("id-3"), "x1", sealed(1, "x1"));
        later.putRegionKey(regionKey(2));
        storage.commit(later, 3, 9);
        assertThat(dump(storage)).isNotEqualTo(atSix);

        storage.replaceWith(checkpoint);

        assertThat(storage.applied()).isEqualTo(new Applied(2, 6));
        assertThat(dump(storage)).isEqualTo(atSix);
        assertThat(storage.secretById(id("id-3"))).isEmpty();
        assertThat(storage.value(id("id-2"), "w1")).contains(sealed(1, "w1"));

        commitSecrets(7, secret(id("id-4"), "prod/d", 0));
        assertThat(storage.applied()).isEqualTo(new Applied(1, 7));
        assertThat(storage.idByName("prod/d")).contains(id("id-4"));
    }

    @Test
    void aCheckpointInstallsIntoAnotherStorage() throws IOException {
        commitSecrets(11, secret(id("id-1"), "prod/a", 3_000, "v1"));
        Path checkpoint = dir.resolve("checkpoint");
        storage.checkpoint(checkpoint);

        try (RocksStorage follower = RocksStorage.open(dir.resolve("follower"))) {
            StorageBatch own = follower.newBatch();
            own.putSecret(null, secret(id("stale"), "stale/x", 0));
            follower.commit(own, 1, 3);

            follower.replaceWith(checkpoint);

            assertThat(dump(follower)).isEqualTo(dump(storage));
            assertThat(follower.applied()).isEqualTo(new Applied(1, 11));
            assertThat(follower.secretById(id("stale"))).isEmpty();
        }
    }

    @Test
    void reopeningKeepsTheDataAndTheAppliedIndex() throws IOException {
        commitSecrets(4, secret(id("id-1"), "prod/a", 8_000, "v1"));
        StorageBatch keys = storage.newBatch();
        keys.putRegionKey(regionKey(1));
        storage.commit(keys, 2, 5);
        Map<String, Object> before = dump(storage);
        storage.close();

        storage = RocksStorage.open(dbDir);

        assertThat(storage.applied()).isEqualTo(new Applied(2, 5));
        assertThat(dump(storage)).isEqualTo(before);
        assertThat(storage.deletionsDue(Long.MAX_VALUE, 10)).containsExactly(id("id-1"));
    }

    /**
     * Applied entries skip RocksDB's WAL: a crash (here, the files on disk copied while the
     * database is open, as kill -9 leaves them) opens at the last flush, with every column family
     * and the applied index from the same entry, for Ratis to apply the rest again from its log.
     */
    @Test
    void aCrashLeavesTheLastFlushedStateWhole() throws IOException {
        commitSecrets(1, secret(id("id-1"), "prod/a", 0, "v1"));
        try (RocksStorage crashed = RocksStorage.open(crashImage("before-any-flush"))) {
            assertThat(crashed.applied()).isEqualTo(Applied.NONE);
            assertThat(crashed.secretById(id("id-1"))).isEmpty();
        }

        storage.checkpoint(dir.resolve("snapshot")); // a snapshot flushes first
        Map<String, Object> flushed = dump(storage);
        commitSecrets(2, secret(id("id-2"), "prod/b", 0, "w1"));
        try (RocksStorage crashed = RocksStorage.open(crashImage("after-a-snapshot"))) {
            assertThat(crashed.applied()).isEqualTo(new Applied(1, 1));
            assertThat(dump(crashed)).isEqualTo(flushed);
        }
    }

    @Test
    void aWriteThatIsNoRaftEntrySurvivesACrash() throws IOException {
        StorageBatch migration = storage.newBatch();
        migration.putRegionKey(regionKey(7));
        storage.write(migration);
        try (RocksStorage crashed = RocksStorage.open(crashImage("after-a-migration"))) {
            assertThat(crashed.regionKeys()).containsExactly(regionKey(7));
        }
    }

    @Test
    void aDurableCommitSurvivesACrash() throws IOException {
        StorageBatch restored = storage.newBatch();
        restored.putRegionKey(regionKey(8));
        storage.commitDurably(restored, 1, 5);
        try (RocksStorage crashed = RocksStorage.open(crashImage("after-a-durable-commit"))) {
            assertThat(crashed.applied()).isEqualTo(new Applied(1, 5));
            assertThat(crashed.regionKeys()).containsExactly(regionKey(8));
        }
    }

    /** The database's files as they are on disk now, copied while it is open. */
    private Path crashImage(String name) throws IOException {
        Path image = dir.resolve(name);
        Files.createDirectories(image);
        try (Stream<Path> files = Files.list(dbDir)) {
            for (Path f : files.filter(f -> !f.getFileName().toString().equals("LOCK")).toList()) {
                Files.copy(f, image.resolve(f.getFileName()));
            }
        }
        return image;
    }
}
