package dev.kinko.server.replication;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kinko.proto.raft.v1.JournalRecord;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.VersionRecord;
import dev.kinko.server.domain.StateQueries;
import dev.kinko.server.storage.RocksStorage;
import dev.kinko.server.storage.StorageBatch;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a batch ships is read once: sizing the batch and building it, with its records coalesced
 * or not, read each secret and each value from the (real) storage once, and ship the same thing.
 */
class ChangeContentsTest {
    static final String ID = "00000000-0000-0000-0000-000000000001";

    @TempDir
    Path dir;
    private RocksStorage storage;
    private final AtomicInteger secretReads = new AtomicInteger();
    private final AtomicInteger valueReads = new AtomicInteger();

    @BeforeEach
    void open() throws Exception {
        storage = RocksStorage.open(dir.resolve("db"));
        SecretRecord.Builder secret = SecretRecord.newBuilder().setId(ID).setName("app/db").setPrimaryRegion("tokyo")
                .setCreatedMillis(1_000).setLastChangedMillis(1_000);
        List<String> versions = List.of("v0", "v1", "v2");
        versions.forEach(v -> secret.addVersions(VersionRecord.newBuilder().setVersionId(v).setOrdinal(secret.getVersionsCount())));
        StorageBatch batch = storage.newBatch();
        batch.putSecret(null, secret.setNextOrdinal(versions.size()).build());
        versions.forEach(v -> batch.putValue(ID, v, SealedValue.newBuilder().setKeyVersion(1)
                .setCiphertext(ByteString.copyFromUtf8("sealed-" + v)).build()));
        storage.commit(batch, 1, 1);
    }

    @AfterEach
    void close() {
        storage.close();
    }

    @Test
    void sizingAndBuildingABatchReadEachSecretAndValueOnce() {
        ChangeContents contents = new ChangeContents(counting(storage));
        // two changes to one secret, as the journal has them: v1 added, then v2
        JournalRecord first = JournalRecord.newBuilder().setSeq(7).setSecretId(ID).addVersionIds("v1").setNextOrdinal(1).build();
        JournalRecord second = JournalRecord.newBuilder().setSeq(8).setSecretId(ID).addVersionIds("v2").setNextOrdinal(2).build();

        int sized = contents.bytes(first) + contents.bytes(second);
        List<JournalRecord> coalesced = Coalescer.coalesce(List.of(first, second));
        ChangeContents.Content shipped = contents.of(coalesced.get(0)).orElseThrow();

        assertThat(coalesced).hasSize(1);
        assertThat(shipped.values()).containsOnlyKeys("v1", "v2");
        assertThat(shipped.values().get("v2").getCiphertext().toStringUtf8()).isEqualTo("sealed-v2");
        assertThat(sized).isGreaterThanOrEqualTo(shipped.bytes());
        assertThat(secretReads).hasValue(1);
        assertThat(valueReads).hasValue(2);
        // the same record again is built from what was read
        assertThat(contents.of(first)).isEqualTo(new ChangeContents(storage).of(first));
        assertThat(valueReads).hasValue(2);
    }

    /** The storage's queries, counting the reads of a secret and of a value. */
    private StateQueries counting(StateQueries real) {
        return (StateQueries) Proxy.newProxyInstance(StateQueries.class.getClassLoader(), new Class<?>[] {StateQueries.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("secretById")) {
                        secretReads.incrementAndGet();
                    } else if (method.getName().equals("value")) {
                        valueReads.incrementAndGet();
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
