package dev.kinko.server.storage;

import static dev.kinko.server.storage.StorageFixtures.id;
import static dev.kinko.server.storage.StorageFixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.server.storage.RocksStorage.Family;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layout v3 adds each secret's summary, filled in by its next write. A v2 database opens and
 * reads whole until then; a database of a newer layout than this Kinko's is refused, which is
 * what keeps an older Kinko from carrying a summary it does not know (and so making it stale).
 */
class LayoutVersionTest {
    static final String ID = id("layout-v3");

    @TempDir
    Path dir;

    @Test
    void aV2DatabaseOpensReadsWholeUntilWrittenAndANewerLayoutIsRefused() throws IOException {
        Path db = dir.resolve("db");
        try (RocksStorage storage = RocksStorage.open(db)) {
            assertThat(LayoutMigration.version(storage)).isEqualTo(LayoutMigration.CURRENT).isEqualTo(3);
            StorageBatch batch = storage.newBatch();
            batch.putSecret(null, secret(ID, "app/layout", 0, "v0", "v1"));
            storage.commit(batch, 1, 1);
            // as v2 left it: no summary in the metadata, and the layout mark at 2
            StorageBatch v2 = storage.newBatch();
            SecretRecord header = storage.header(ID).orElseThrow();
            v2.put(Family.SECRETS, Keys.id(ID), SecretKeys.withoutSummary(header).build().toByteArray());
            v2.put(Family.META, LayoutMigration.SCHEMA_VERSION, ByteBuffer.allocate(4).putInt(2).array());
            storage.write(v2);
        }
        try (RocksStorage storage = RocksStorage.open(db)) {
            assertThat(LayoutMigration.version(storage)).as("marked v3 when opened").isEqualTo(3);
            SecretRecord read = storage.secretForNewVersion(ID, 100).orElseThrow();
            assertThat(read.hasVersionCount()).as("no summary yet: the whole secret").isFalse();
            assertThat(read.getVersionsCount()).isEqualTo(2);

            StorageBatch write = storage.newBatch();
            write.putSecret(read, read.toBuilder().setDescription("written by v3").build());
            storage.commit(write, 1, 2);
            SecretRecord summarized = storage.secretForNewVersion(ID, 100).orElseThrow();
            assertThat(summarized.getVersionCount()).as("the next write adds the summary").isEqualTo(2);

            StorageBatch newer = storage.newBatch();
            newer.put(Family.META, LayoutMigration.SCHEMA_VERSION,
                    ByteBuffer.allocate(4).putInt(LayoutMigration.CURRENT + 1).array());
            storage.write(newer);
        }
        assertThatThrownBy(() -> RocksStorage.open(db).close()).isInstanceOf(StorageException.class)
                .hasMessageContaining("newer than this Kinko's " + LayoutMigration.CURRENT);
    }
}
