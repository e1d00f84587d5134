package dev.kinko.server.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.VersionRecord;
import dev.kinko.server.storage.RocksStorage.Family;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a database to the current layout when it is opened (a data directory, a snapshot or
 * a backup of an older Kinko). Layout v1 kept a whole secret, every version's labels included,
 * in one record keyed by its id string, and values under "id\0version id"; v2 splits a secret
 * into the keys {@link SecretKeys} writes, and v3 only adds a summary that writes fill in. The migration copies secret by secret in bounded
 * batches, and marks the layout and drops the old column families only at the end: a crash
 * half-way leaves the v1 data in place, and the copy runs again (its writes are idempotent).
 */
final class LayoutMigration {
    private static final Logger LOG = LoggerFactory.getLogger(LayoutMigration.class);

    /**
     * v3 adds the summary in each secret's metadata (see {@code SecretRecord.version_count}). It is
     * written lazily, by the next write of each secret. The version goes up anyway: an older Kinko
     * would keep a summary it does not know through its own writes, which would make it stale, so
     * it must refuse the database.
     */
    static final int CURRENT = 3;
    static final byte[] SCHEMA_VERSION = Keys.utf8("schema_version");
    /** Secrets copied per write batch, so a large region migrates in bounded memory. */
    static final int SECRETS_PER_BATCH = 1_000;
    /** v1 column families that v2 replaced. */
    static final List<String> V1_FAMILIES = List.of("secrets", "names", "values", "deletions");

    private LayoutMigration() {}

    static void run(RocksStorage storage) {
        int version = version(storage);
        if (version == CURRENT) {
            return;
        }
        if (version > CURRENT) {
            throw new StorageException("the database has layout version " + version
                    + ", newer than this Kinko's " + CURRENT + "; run a newer Kinko", null);
        }
        boolean v1 = storage.read(d -> d.legacy.containsKey("secrets"));
        if (v1) {
            migrateV1(storage);
        }
        StorageBatch mark = storage.newBatch();
        mark.put(Family.META, SCHEMA_VERSION, ByteBuffer.allocate(4).putInt(CURRENT).array());
        storage.write(mark);
        storage.read(d -> {
            for (String name : V1_FAMILIES) {
                try {
                    d.dropLegacy(name);
                } catch (RocksDBException e) {
                    throw new StorageException("cannot drop old column family " + name + ": " + e.getMessage(), e);
                }
            }
            return null;
        });
    }

    static int version(RocksStorage storage) {
        byte[] v = storage.get(Family.META, SCHEMA_VERSION);
        return v == null ? 1 : ByteBuffer.wrap(v).getInt();
    }

    private static void migrateV1(RocksStorage storage) {
        long started = System.nanoTime();
        long[] copied = {0};
        byte[][] from = {new byte[0]};
        while (from[0] != null) {
            List<SecretRecord> chunk = new ArrayList<>();
            byte[][] last = {null};
            storage.read(d -> {
                ColumnFamilyHandle secrets = d.legacy.get("secrets");
                d.scan(secrets, d.readOptions, from[0], (k, v) -> {
                    chunk.add(parse(v));
                    last[0] = k;
                    return chunk.size() < SECRETS_PER_BATCH;
                });
                return null;
            });
            if (chunk.isEmpty()) {
                break;
            }
            StorageBatch batch = storage.newBatch();
            for (SecretRecord v1 : chunk) {
                SecretRecord v2 = withOrdinals(v1);
                batch.putSecret(null, v2);
                for (VersionRecord version : v2.getVersionsList()) {
                    legacyValue(storage, v1.getId(), version.getVersionId())
                            .ifPresent(sealed -> batch.putValue(v2.getId(), version.getVersionId(), sealed));
                }
            }
            storage.write(batch);
            copied[0] += chunk.size();
            from[0] = chunk.size() < SECRETS_PER_BATCH ? null : Keys.after(last[0]);
        }
        LOG.info("migrated {} secrets from layout v1 to v2 in {} ms", copied[0],
                (System.nanoTime() - started) / 1_000_000);
    }

    /** v1 listed versions oldest first: their places become their ordinals. */
    static SecretRecord withOrdinals(SecretRecord v1) {
        SecretRecord.Builder b = v1.toBuilder();
        for (int i = 0; i < b.getVersionsCount(); i++) {
            b.setVersions(i, b.getVersions(i).toBuilder().setOrdinal(i));
        }
        return b.setNextOrdinal(b.getVersionsCount()).build();
    }

    private static java.util.Optional<SealedValue> legacyValue(RocksStorage storage, String secretId, String versionId) {
        byte[] v = storage.read(d -> {
            try {
                return d.rocks.get(d.legacy.get("values"), Keys.utf8(secretId + "\0" + versionId));
            } catch (RocksDBException e) {
                throw new StorageException("RocksDB read failed: " + e.getMessage(), e);
            }
        });
        return java.util.Optional.ofNullable(v).map(b -> RecordReader.parse(b, SealedValue.parser()));
    }

    private static SecretRecord parse(byte[] v) {
        try {
            return SecretRecord.parseFrom(v);
        } catch (InvalidProtocolBufferException e) {
            throw new StorageException("damaged v1 secret record", e);
        }
    }
}
