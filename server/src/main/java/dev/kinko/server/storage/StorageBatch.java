package dev.kinko.server.storage;

import dev.kinko.proto.raft.v1.AppliedRequest;
import dev.kinko.proto.raft.v1.AuditHeadRecord;
import dev.kinko.proto.raft.v1.PolicyRecord;
import dev.kinko.proto.raft.v1.TokenRecord;
import dev.kinko.proto.raft.v1.ArchivedSecret;
import dev.kinko.proto.raft.v1.JournalRecord;
import dev.kinko.proto.raft.v1.LinkRecord;
import dev.kinko.proto.raft.v1.RegionKeyRecord;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.SourceRecord;
import dev.kinko.proto.raft.v1.TransportKeyRecord;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.storage.RocksStorage.Family;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Arrays;
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
    /** A key in one column family; byte content decides equality and (unsigned) order, as in RocksDB. */
    private record Key(int family, byte[] bytes) implements Comparable<Key> {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.family == family && Arrays.equals(k.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return 31 * family + Arrays.hashCode(bytes);
        }

        @Override
        public int compareTo(Key o) {
            return family != o.family ? Integer.compare(family, o.family) : Arrays.compareUnsigned(bytes, o.bytes);
        }
    }

    private final RocksStorage storage;
    private final WriteBatch batch = new WriteBatch();
    /** key -> value, or empty for a delete. */
    private final Map<Key, Optional<byte[]>> overlay = new HashMap<>();

    StorageBatch(RocksStorage storage) {
        this.storage = storage;
    }

    WriteBatch writeBatch() {
        return batch;
    }

    @Override
    byte[] get(Family family, byte[] key) {
        Optional<byte[]> pending = overlay.get(new Key(family.ordinal(), key));
        return pending != null ? pending.orElse(null) : storage.get(family, key);
    }

    private void put(Family family, byte[] key, byte[] value) {
        overlay.put(new Key(family.ordinal(), key), Optional.of(value));
        try {
            batch.put(storage.handle(family), key, value);
        } catch (RocksDBException e) {
            throw new StorageException("batch put failed", e);
        }
    }

    private void delete(Family family, byte[] key) {
        overlay.put(new Key(family.ordinal(), key), Optional.empty());
        try {
            batch.delete(storage.handle(family), key);
        } catch (RocksDBException e) {
            throw new StorageException("batch delete failed", e);
        }
    }

    @Override
    List<byte[]> values(Family family) {
        TreeMap<Key, byte[]> merged = new TreeMap<>();
        storage.scan(family, new byte[0], (k, v) -> {
            merged.put(new Key(family.ordinal(), k), v);
            return true;
        });
        overlay.forEach((key, value) -> {
            if (key.family() == family.ordinal()) {
                if (value.isPresent()) {
                    merged.put(key, value.get());
                } else {
                    merged.remove(key);
                }
            }
        });
        return new ArrayList<>(merged.values());
    }

    /** Committed state only: what this entry wrote is not seen (old requests are never written here). */
    @Override
    void scan(Family family, byte[] from, RocksStorage.Visitor visitor) {
        storage.scan(family, from, visitor);
    }

    @Override
    public void putAppliedRequest(String requestId, AppliedRequest request) {
        put(Family.REQUESTS, Keys.utf8(requestId), request.toByteArray());
        put(Family.REQUESTS_BY_TIME, Keys.timed(request.getAppliedMillis(), requestId), new byte[0]);
    }

    @Override
    public void removeAppliedRequest(String requestId) {
        appliedRequest(requestId).ifPresent(r -> delete(Family.REQUESTS_BY_TIME, Keys.timed(r.getAppliedMillis(), requestId)));
        delete(Family.REQUESTS, Keys.utf8(requestId));
    }

    @Override
    public void putPolicy(PolicyRecord policy) {
        put(Family.POLICIES, Keys.utf8(policy.getName()), policy.toByteArray());
    }

    @Override
    public void removePolicy(String name) {
        delete(Family.POLICIES, Keys.utf8(name));
    }

    @Override
    public void putToken(TokenRecord token) {
        put(Family.TOKENS, Keys.utf8(token.getAccessor()), token.toByteArray());
    }

    @Override
    public void removeToken(String accessor) {
        delete(Family.TOKENS, Keys.utf8(accessor));
    }

    @Override
    public void setAccessVersion(long version) {
        put(Family.META, ACCESS_VERSION, Keys.seq(version));
    }

    @Override
    public void putAuditHead(AuditHeadRecord head) {
        put(Family.AUDIT_HEADS, Keys.utf8(head.getNodeId()), head.toByteArray());
    }

    @Override
    public void putSecret(SecretRecord previous, SecretRecord record) {
        if (previous != null && previous.getDeletionDateMillis() != 0) {
            delete(Family.DELETIONS, Keys.timed(previous.getDeletionDateMillis(), previous.getId()));
        }
        put(Family.SECRETS, Keys.utf8(record.getId()), record.toByteArray());
        put(Family.NAMES, Keys.utf8(record.getName()), Keys.utf8(record.getId()));
        if (record.getDeletionDateMillis() != 0) {
            put(Family.DELETIONS, Keys.timed(record.getDeletionDateMillis(), record.getId()), new byte[0]);
        }
    }

    @Override
    public void removeSecret(SecretRecord record) {
        if (record.getDeletionDateMillis() != 0) {
            delete(Family.DELETIONS, Keys.timed(record.getDeletionDateMillis(), record.getId()));
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
        put(Family.REGION_KEYS, Keys.regionKey(key.getVersion()), key.toByteArray());
    }

    @Override
    public void putTransportKey(TransportKeyRecord key) {
        put(Family.TRANSPORT_KEYS, Keys.regionKey(key.getVersion()), key.toByteArray());
    }

    @Override
    public void appendJournal(JournalRecord record) {
        put(Family.JOURNAL, Keys.seq(record.getSeq()), record.toByteArray());
        put(Family.META, JOURNAL_HEAD, Keys.seq(record.getSeq()));
    }

    @Override
    public void truncateJournal(long upTo) {
        try {
            // the journal is read only from committed state, so a range delete needs no overlay
            batch.deleteRange(storage.handle(Family.JOURNAL), Keys.seq(0), Keys.seq(upTo + 1));
        } catch (RocksDBException e) {
            throw new StorageException("batch delete range failed", e);
        }
    }

    @Override
    public void putLink(LinkRecord link) {
        put(Family.LINKS, Keys.utf8(link.getRegion()), link.toByteArray());
    }

    @Override
    public void removeLink(String region) {
        delete(Family.LINKS, Keys.utf8(region));
    }

    @Override
    public void archiveSecret(SecretRecord record, long nowMillis) {
        ArchivedSecret.Builder archived = ArchivedSecret.newBuilder().setSecret(record).setArchivedMillis(nowMillis);
        record.getVersionsList().forEach(v -> value(record.getId(), v.getVersionId())
                .ifPresent(sealed -> archived.putValues(v.getVersionId(), sealed)));
        put(Family.ARCHIVE, Keys.timed(nowMillis, record.getId()), archived.build().toByteArray());
        removeSecret(record);
    }

    @Override
    public void putSource(SourceRecord source) {
        put(Family.SOURCES, Keys.utf8(source.getRegion()), source.toByteArray());
    }
}
