package dev.kinko.server.storage;

import dev.kinko.proto.raft.v1.RegionKeyRecord;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.storage.RocksStorage.Family;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * The writes of one Raft entry, collected in a {@link WriteBatch}. Reads see
 * the batch's own writes first (an overlay), so the commands of one entry
 * build on each other.
 */
public final class StorageBatch extends RecordReader implements StateWriter {
    private static final HexFormat HEX = HexFormat.of();

    private final RocksStorage storage;
    private final WriteBatch batch = new WriteBatch();
    /** family + key (hex) -> value, or empty for a delete. */
    private final Map<String, Optional<byte[]>> overlay = new HashMap<>();
    private final TreeMap<Integer, RegionKeyRecord> addedKeys = new TreeMap<>();

    StorageBatch(RocksStorage storage) {
        this.storage = storage;
    }

    WriteBatch writeBatch() {
        return batch;
    }

    @Override
    byte[] get(Family family, byte[] key) {
        Optional<byte[]> pending = overlay.get(family.ordinal() + ":" + HEX.formatHex(key));
        return pending != null ? pending.orElse(null) : storage.get(family, key);
    }

    private void put(Family family, byte[] key, byte[] value) {
        overlay.put(family.ordinal() + ":" + HEX.formatHex(key), Optional.of(value));
        try {
            batch.put(storage.handle(family), key, value);
        } catch (RocksDBException e) {
            throw new StorageException("batch put failed", e);
        }
    }

    private void delete(Family family, byte[] key) {
        overlay.put(family.ordinal() + ":" + HEX.formatHex(key), Optional.empty());
        try {
            batch.delete(storage.handle(family), key);
        } catch (RocksDBException e) {
            throw new StorageException("batch delete failed", e);
        }
    }

    @Override
    public List<RegionKeyRecord> regionKeys() {
        List<RegionKeyRecord> keys = new ArrayList<>(storage.regionKeys());
        keys.addAll(addedKeys.values());
        return keys;
    }

    @Override
    public void putSecret(SecretRecord previous, SecretRecord record) {
        if (previous != null && previous.getDeletionDateMillis() != 0) {
            delete(Family.DELETIONS, Keys.deletion(previous.getDeletionDateMillis(), previous.getId()));
        }
        put(Family.SECRETS, Keys.utf8(record.getId()), record.toByteArray());
        put(Family.NAMES, Keys.utf8(record.getName()), Keys.utf8(record.getId()));
        if (record.getDeletionDateMillis() != 0) {
            put(Family.DELETIONS, Keys.deletion(record.getDeletionDateMillis(), record.getId()), new byte[0]);
        }
    }

    @Override
    public void removeSecret(SecretRecord record) {
        if (record.getDeletionDateMillis() != 0) {
            delete(Family.DELETIONS, Keys.deletion(record.getDeletionDateMillis(), record.getId()));
        }
        delete(Family.SECRETS, Keys.utf8(record.getId()));
        delete(Family.NAMES, Keys.utf8(record.getName()));
        record.getVersionsList().forEach(v -> removeValue(record.getId(), v.getVersionId()));
    }

    @Override
    public void putValue(String secretId, String versionId, SealedValue value) {
        put(Family.VALUES, Keys.value(secretId, versionId), value.toByteArray());
    }

    @Override
    public void removeValue(String secretId, String versionId) {
        delete(Family.VALUES, Keys.value(secretId, versionId));
    }

    @Override
    public void putRegionKey(RegionKeyRecord key) {
        addedKeys.put(key.getVersion(), key);
        put(Family.REGION_KEYS, Keys.regionKey(key.getVersion()), key.toByteArray());
    }
}
