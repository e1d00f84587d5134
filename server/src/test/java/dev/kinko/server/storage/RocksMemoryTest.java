package dev.kinko.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kinko.server.storage.RocksStorage.Family;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RocksDB's memory and its own WAL stay bounded: a column family written once (as a token or a
 * region key is) must not keep every later WAL file alive, and the write buffers of all column
 * families together stay within their budget.
 */
class RocksMemoryTest {
    static final int VALUE_BYTES = 4096;
    static final int KEYS_PER_BATCH = 256;
    /** Written into the busy column families: well past the WAL bound and the memtable budget. */
    static final long WRITTEN_BYTES = 2 * RocksStorage.MAX_WAL_BYTES + RocksStorage.MAX_WAL_BYTES / 2;

    @TempDir
    Path dir;

    @Test
    void theWalAndTheWriteBuffersStayWithinTheirBounds() throws IOException {
        Path db = dir.resolve("db");
        try (RocksStorage storage = RocksStorage.open(db)) {
            long index = 1;
            StorageBatch first = storage.newBatch();
            first.put(Family.TOKENS, Keys.utf8("written-once"), new byte[16]);
            storage.commit(first, 1, index++);

            Random random = new Random(7);
            Family[] busy = {Family.VALUES, Family.VERSIONS, Family.VERSION_IDS, Family.JOURNAL};
            long written = 0;
            for (long key = 0; written < WRITTEN_BYTES; ) {
                StorageBatch batch = storage.newBatch();
                for (int i = 0; i < KEYS_PER_BATCH; i++, key++) {
                    byte[] value = new byte[VALUE_BYTES];
                    random.nextBytes(value); // incompressible, as sealed values are
                    batch.put(busy[(int) (key % busy.length)], Keys.ordinal(key), value);
                    written += VALUE_BYTES;
                }
                storage.commit(batch, 1, index++);
            }
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                assertThat(walBytes(db)).as("RocksDB's WAL files").isLessThanOrEqualTo(
                        RocksStorage.MAX_WAL_BYTES + RocksStorage.MEMTABLE_BUDGET_BYTES);
                assertThat(storage.memtableBytes()).as("all write buffers")
                        .isLessThanOrEqualTo(RocksStorage.MEMTABLE_BUDGET_BYTES);
            });
            assertThat(storage.get(Family.TOKENS, Keys.utf8("written-once"))).hasSize(16);
        }
    }

    static long walBytes(Path db) {
        try (Stream<Path> files = Files.list(db)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".log")).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0; // deleted meanwhile
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
