package dev.kinko.server.storage;

import dev.kinko.proto.raft.v1.AppliedRequest;
import dev.kinko.proto.raft.v1.ArchivedSecret;
import dev.kinko.proto.raft.v1.AuditHeadRecord;
import dev.kinko.proto.raft.v1.JournalRecord;
import dev.kinko.proto.raft.v1.LinkRecord;
import dev.kinko.proto.raft.v1.PolicyRecord;
import dev.kinko.proto.raft.v1.PromotionRecord;
import dev.kinko.proto.raft.v1.RegionKeyRecord;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.SourceRecord;
import dev.kinko.proto.raft.v1.TokenRecord;
import dev.kinko.proto.raft.v1.TransportKeyRecord;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.storage.RocksStorage.Family;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * The writes of one Raft entry, collected in a {@link WriteBatch}. Reads see the batch's own
 * writes over the committed state (an overlay), so the commands of one entry build on each
 * other; savepoints undo one command's writes in both, so a refused command leaves nothing.
 */
public final class StorageBatch extends RecordReader implements StateWriter {
    /** A key in one column family; byte content decides equality and (unsigned) order, as in RocksDB. */
    record Key(int family, byte[] bytes) implements Comparable<Key> {
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

    /** What a key held in the overlay before a write (null: it was not in the overlay). */
    private record Undo(Key key, Optional<byte[]> before) {}

    private final RocksStorage storage;
    private final WriteBatch batch = new WriteBatch();
    /** key -> value, or empty for a delete; sorted, so prefix scans merge it with the database. */
    private final NavigableMap<Key, Optional<byte[]>> overlay = new TreeMap<>();
    private final Deque<List<Undo>> savepoints = new ArrayDeque<>();
    private final SecretKeys secrets = new SecretKeys(this);
    private boolean wroteRegionKeys;
    private boolean wroteTokens;

    StorageBatch(RocksStorage storage) {
        this.storage = storage;
    }

    WriteBatch writeBatch() {
        return batch;
    }

    /** Whether this batch wrote a region key, so the storage's copy of them is stale once it commits. */
    boolean wroteRegionKeys() {
        return wroteRegionKeys;
    }

    /** Whether this batch put or removed a token (the storage then drops the tokens it keeps in memory). */
    boolean wroteTokens() {
        return wroteTokens;
    }

    @Override
    byte[] get(Family family, byte[] key) {
        Optional<byte[]> pending = overlay.get(new Key(family.ordinal(), key));
        return pending != null ? pending.orElse(null) : storage.get(family, key);
    }

    void put(Family family, byte[] key, byte[] value) {
        Key k = new Key(family.ordinal(), key);
        remember(k);
        overlay.put(k, Optional.of(value));
        try {
            batch.put(storage.handle(family), key, value);
        } catch (RocksDBException e) {
            throw new StorageException("batch put failed", e);
        }
    }

    void delete(Family family, byte[] key) {
        Key k = new Key(family.ordinal(), key);
        remember(k);
        overlay.put(k, Optional.empty());
        try {
            batch.delete(storage.handle(family), key);
        } catch (RocksDBException e) {
            throw new StorageException("batch delete failed", e);
        }
    }

    private void remember(Key key) {
        List<Undo> undo = savepoints.peek();
        if (undo != null) {
            undo.add(new Undo(key, overlay.get(key)));
        }
    }

    /** The committed keys from {@code from} merged with this batch's writes, in key order. */
    @Override
    void scan(Family family, byte[] from, RocksStorage.Visitor visitor) {
        int f = family.ordinal();
        Iterator<Map.Entry<Key, Optional<byte[]>>> pending = overlay
                .subMap(new Key(f, from), true, new Key(f + 1, new byte[0]), false).entrySet().iterator();
        Object[] next = {pending.hasNext() ? pending.next() : null};
        boolean[] stopped = {false};
        storage.scan(family, from, (k, v) -> {
            while (next[0] != null) {
                @SuppressWarnings("unchecked")
                Map.Entry<Key, Optional<byte[]>> e = (Map.Entry<Key, Optional<byte[]>>) next[0];
                int c = Arrays.compareUnsigned(e.getKey().bytes(), k);
                if (c > 0) {
                    break;
                }
                next[0] = pending.hasNext() ? pending.next() : null;
                if (e.getValue().isPresent() && !visitor.visit(e.getKey().bytes(), e.getValue().get())) {
                    stopped[0] = true;
                    return false;
                }
                if (c == 0) {
                    return true; // the batch's write replaces (or deletes) the committed key
                }
            }
            if (!visitor.visit(k, v)) {
                stopped[0] = true;
                return false;
            }
            return true;
        });
        while (!stopped[0] && next[0] != null) {
            @SuppressWarnings("unchecked")
            Map.Entry<Key, Optional<byte[]>> e = (Map.Entry<Key, Optional<byte[]>>) next[0];
            next[0] = pending.hasNext() ? pending.next() : null;
            if (e.getValue().isPresent() && !visitor.visit(e.getKey().bytes(), e.getValue().get())) {
                return;
            }
        }
    }

    // --- savepoints ----------------------------------------------------------------------

    @Override
    public void savepoint() {
        savepoints.push(new ArrayList<>());
        batch.setSavePoint();
    }

    @Override
    public void rollbackToSavepoint() {
        List<Undo> undo = savepoints.pop();
        for (int i = undo.size() - 1; i >= 0; i--) {
            Undo u = undo.get(i);
            if (u.before() == null) {
                overlay.remove(u.key());
            } else {
                overlay.put(u.key(), u.before());
            }
        }
        try {
            batch.rollbackToSavePoint();
        } catch (RocksDBException e) {
            throw new StorageException("batch rollback failed", e);
        }
    }

    @Override
    public void releaseSavepoint() {
        List<Undo> undo = savepoints.pop();
        if (!savepoints.isEmpty()) {
            savepoints.peek().addAll(undo); // an outer savepoint still undoes these
        }
        try {
            batch.popSavePoint();
        } catch (RocksDBException e) {
            throw new StorageException("batch savepoint release failed", e);
        }
    }

    // --- secrets -------------------------------------------------------------------------

    @Override
    public void putSecret(SecretRecord previous, SecretRecord record) {
        secrets.put(previous, record);
    }

    @Override
    public void removeSecret(SecretRecord record) {
        secrets.remove(record);
    }

    @Override
    public void putValue(String secretId, String versionId, SealedValue value) {
        byte[] id = Keys.id(secretId);
        byte[] ordinal = get(Family.VERSION_IDS, Keys.underId(id, Keys.utf8(versionId)));
        if (ordinal == null) {
            throw new StorageException("secret " + secretId + " lists no version " + versionId, null);
        }
        put(Family.VALUES, Keys.ordinalKey(id, Keys.ordinal(ordinal)), value.toByteArray());
    }

    @Override
    public void archiveSecret(SecretRecord record, long nowMillis) {
        ArchivedSecret.Builder archived = ArchivedSecret.newBuilder().setSecret(record).setArchivedMillis(nowMillis);
        record.getVersionsList().forEach(v -> valueAt(record.getId(), v.getOrdinal())
                .ifPresent(sealed -> archived.putValues(v.getVersionId(), sealed)));
        put(Family.ARCHIVE, Keys.timed(nowMillis, record.getId()), archived.build().toByteArray());
        removeSecret(record);
    }

    // --- everything else -----------------------------------------------------------------

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
        wroteTokens = true; // even if rolled back to a savepoint: reading the tokens again is harmless
    }

    @Override
    public void removeToken(String accessor) {
        delete(Family.TOKENS, Keys.utf8(accessor));
        wroteTokens = true;
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
    public void putRegionKey(RegionKeyRecord key) {
        put(Family.REGION_KEYS, Keys.regionKey(key.getVersion()), key.toByteArray());
        wroteRegionKeys = true; // even if rolled back to a savepoint: reading the keys again is harmless
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
    public void putSource(SourceRecord source) {
        put(Family.SOURCES, Keys.utf8(source.getRegion()), source.toByteArray());
    }

    @Override
    public void putPromotion(PromotionRecord promotion) {
        put(Family.META, PROMOTION, promotion.toByteArray());
    }

    @Override
    public void clearPromotion() {
        delete(Family.META, PROMOTION);
    }
}
