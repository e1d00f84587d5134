package dev.kinko.server.storage;

import static dev.kinko.server.storage.StorageFixtures.id;
import static dev.kinko.server.storage.StorageFixtures.regionKey;
import static dev.kinko.server.storage.StorageFixtures.sealed;
import static dev.kinko.server.storage.StorageFixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kinko.proto.raft.v1.RegionKeyRecord;
import dev.kinko.proto.raft.v1.SecretRecord;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorageBatchTest {
    @TempDir
    Path dir;
    private RocksStorage storage;

    @BeforeEach
    void open() throws IOException {
        storage = RocksStorage.open(dir.resolve("db"));
    }

    @AfterEach
    void close() {
        storage.close();
    }

    private void committed(SecretRecord record, String... valueVersions) {
        StorageBatch batch = storage.newBatch();
        batch.putSecret(null, record);
        for (String v : valueVersions) {
            batch.putValue(record.getId(), v, sealed(1, v));
        }
        storage.commit(batch, 1, storage.applied().index() + 1);
    }

    @Test
    void readsSeeTheBatchsOwnWritesBeforeCommit() {
        StorageBatch batch = storage.newBatch();
        SecretRecord s = secret(id("id-1"), "prod/a", 0, "v1");

        batch.putSecret(null, s);
        batch.putValue(id("id-1"), "v1", sealed(1, "v1"));
        batch.putRegionKey(regionKey(1));

        assertThat(batch.secretById(id("id-1"))).contains(s);
        assertThat(batch.idByName("prod/a")).contains(id("id-1"));
        assertThat(batch.resolve("prod/a")).contains(s);
        assertThat(batch.value(id("id-1"), "v1")).contains(sealed(1, "v1"));
        assertThat(batch.regionKeys()).containsExactly(regionKey(1));
    }

    @Test
    void nothingIsVisibleInTheStorageBeforeCommit() {
        StorageBatch batch = storage.newBatch();
        batch.putSecret(null, secret(id("id-1"), "prod/a", 5_000, "v1"));
        batch.putValue(id("id-1"), "v1", sealed(1, "v1"));
        batch.putRegionKey(regionKey(1));

        assertThat(storage.secretById(id("id-1"))).isEmpty();
        assertThat(storage.idByName("prod/a")).isEmpty();
        assertThat(storage.value(id("id-1"), "v1")).isEmpty();
        assertThat(storage.regionKeys()).isEmpty();
        assertThat(storage.secretsByName("", "", 10)).isEmpty();
        assertThat(storage.deletionsDue(Long.MAX_VALUE, 10)).isEmpty();
        assertThat(storage.applied()).isEqualTo(new RocksStorage.Applied(0, -1));

        storage.commit(batch, 2, 7);

        assertThat(storage.secretById(id("id-1"))).isPresent();
        assertThat(storage.value(id("id-1"), "v1")).contains(sealed(1, "v1"));
        assertThat(storage.regionKeys()).containsExactly(regionKey(1));
        assertThat(storage.deletionsDue(Long.MAX_VALUE, 10)).containsExactly(id("id-1"));
        assertThat(storage.applied()).isEqualTo(new RocksStorage.Applied(2, 7));
    }

    @Test
    void anAbandonedBatchLeavesNoTrace() {
        StorageBatch batch = storage.newBatch();
        batch.putSecret(null, secret(id("id-1"), "prod/a", 0));
        storage.commit(storage.newBatch(), 1, 1);

        assertThat(storage.secretById(id("id-1"))).isEmpty();
        assertThat(storage.applied().index()).isEqualTo(1);
    }

    @Test
    void deletesInTheBatchHideCommittedRecordsFromTheBatchOnly() {
        SecretRecord s = secret(id("id-1"), "prod/a", 0, "v1");
        committed(s, "v1");
        StorageBatch batch = storage.newBatch();

        batch.removeSecret(s);
        assertThat(batch.value(id("id-1"), "v1")).isEmpty();
        assertThat(batch.secretById(id("id-1"))).isEmpty();
        assertThat(storage.value(id("id-1"), "v1")).isPresent();

        batch.putSecret(null, s);
        batch.putValue(id("id-1"), "v1", sealed(2, "again"));
        assertThat(batch.value(id("id-1"), "v1")).contains(sealed(2, "again"));
    }

    @Test
    void aRolledBackSavepointLeavesTheBatchAsItWas() {
        SecretRecord kept = secret(id("id-1"), "prod/a", 0, "v1");
        committed(kept, "v1");
        StorageBatch batch = storage.newBatch();
        batch.putRegionKey(regionKey(1));

        batch.savepoint();
        SecretRecord changed = kept.toBuilder().setDescription("changed").addVersions(
                dev.kinko.proto.raft.v1.VersionRecord.newBuilder().setVersionId("v2").setOrdinal(1)
                        .addStages("CURRENT")).setNextOrdinal(2).build();
        batch.putSecret(kept, changed);
        batch.putValue(id("id-1"), "v2", sealed(1, "v2"));
        batch.putSecret(null, secret(id("id-2"), "prod/b", 0));
        batch.putRegionKey(regionKey(2));
        assertThat(batch.secretById(id("id-1"))).contains(changed);
        batch.rollbackToSavepoint();

        assertThat(batch.secretById(id("id-1"))).contains(kept);
        assertThat(batch.value(id("id-1"), "v2")).isEmpty();
        assertThat(batch.idByName("prod/b")).isEmpty();
        assertThat(batch.regionKeys()).extracting(RegionKeyRecord::getVersion).containsExactly(1);
        storage.commit(batch, 1, 9);
        assertThat(storage.secretById(id("id-1"))).contains(kept);
        assertThat(storage.secretById(id("id-2"))).isEmpty();
        assertThat(storage.regionKeys()).extracting(RegionKeyRecord::getVersion).containsExactly(1);
    }

    @Test
    void aReleasedSavepointKeepsItsWrites() {
        StorageBatch batch = storage.newBatch();
        batch.savepoint();
        batch.putSecret(null, secret(id("id-1"), "prod/a", 0));
        batch.releaseSavepoint();
        batch.savepoint();
        batch.putSecret(null, secret(id("id-2"), "prod/b", 0));
        batch.rollbackToSavepoint();
        storage.commit(batch, 1, 1);

        assertThat(storage.idByName("prod/a")).contains(id("id-1"));
        assertThat(storage.idByName("prod/b")).isEmpty();
    }

    @Test
    void laterCommandsInABatchBuildOnEarlierOnes() {
        StorageBatch batch = storage.newBatch();
        SecretRecord v1 = secret(id("id-1"), "prod/a", 0, "v1");
        batch.putSecret(null, v1);
        SecretRecord v2 = batch.secretById(id("id-1")).orElseThrow().toBuilder().setDescription("second").build();
        batch.putSecret(v1, v2);
        storage.commit(batch, 1, 1);

        assertThat(storage.secretById(id("id-1"))).contains(v2);
    }

    @Test
    void regionKeysCombineCommittedAndAdded() {
        StorageBatch first = storage.newBatch();
        first.putRegionKey(regionKey(1));
        storage.commit(first, 1, 1);

        StorageBatch batch = storage.newBatch();
        batch.putRegionKey(regionKey(2));
        assertThat(batch.regionKeys()).extracting(RegionKeyRecord::getVersion).containsExactly(1, 2);
        assertThat(storage.regionKeys()).extracting(RegionKeyRecord::getVersion).containsExactly(1);
    }

    @Test
    void removeSecretRemovesNameValuesAndDeletionIndex() {
        SecretRecord s = secret(id("id-1"), "prod/a", 9_000, "v1", "v2");
        committed(s, "v1", "v2");
        committed(secret(id("id-2"), "prod/b", 0, "w1"), "w1");
        assertThat(storage.deletionsDue(Long.MAX_VALUE, 10)).containsExactly(id("id-1"));

        StorageBatch batch = storage.newBatch();
        batch.removeSecret(s);
        assertThat(batch.secretById(id("id-1"))).isEmpty();
        assertThat(batch.idByName("prod/a")).isEmpty();
        assertThat(batch.value(id("id-1"), "v1")).isEmpty();
        storage.commit(batch, 1, 10);

        assertThat(storage.secretById(id("id-1"))).isEmpty();
        assertThat(storage.idByName("prod/a")).isEmpty();
        assertThat(storage.value(id("id-1"), "v1")).isEmpty();
        assertThat(storage.value(id("id-1"), "v2")).isEmpty();
        assertThat(storage.deletionsDue(Long.MAX_VALUE, 10)).isEmpty();
        assertThat(storage.secretsByName("", "", 10)).extracting(SecretRecord::getId).containsExactly(id("id-2"));
        assertThat(storage.value(id("id-2"), "w1")).isPresent();
    }

    @Test
    void putSecretMovesTheDeletionIndexEntry() {
        SecretRecord live = secret(id("id-1"), "prod/a", 0);
        committed(live);

        SecretRecord scheduled = live.toBuilder().setDeletionDateMillis(5_000).build();
        StorageBatch schedule = storage.newBatch();
        schedule.putSecret(live, scheduled);
        storage.commit(schedule, 1, 2);
        assertThat(storage.deletionsDue(5_000, 10)).containsExactly(id("id-1"));
        assertThat(storage.deletionsDue(4_999, 10)).isEmpty();

        StorageBatch restore = storage.newBatch();
        restore.putSecret(scheduled, live);
        storage.commit(restore, 1, 3);
        assertThat(storage.deletionsDue(Long.MAX_VALUE, 10)).isEmpty();
        assertThat(storage.secretById(id("id-1"))).contains(live);
    }
}
