package dev.kinko.server.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.kinko.proto.raft.v1.AppliedRequest;
import dev.kinko.proto.raft.v1.AuditHeadRecord;
import dev.kinko.proto.raft.v1.LinkRecord;
import dev.kinko.proto.raft.v1.PolicyRecord;
import dev.kinko.proto.raft.v1.PromotionRecord;
import dev.kinko.proto.raft.v1.RegionKeyRecord;
import dev.kinko.proto.raft.v1.ReplicaRecord;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.SourceRecord;
import dev.kinko.proto.raft.v1.TokenRecord;
import dev.kinko.proto.raft.v1.TransportKeyRecord;
import dev.kinko.proto.raft.v1.VersionRecord;
import dev.kinko.proto.raft.v1.JournalRecord;
import dev.kinko.server.domain.StateQueries;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.storage.RocksStorage.Family;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@link StateReader} decoded from whatever {@link #get} and {@link #scan} read: the committed
 * database, one snapshot of it, or a batch's writes over it. A secret is assembled from its
 * keys (metadata, versions, labels, replicas); see {@link Keys} for their shapes.
 */
abstract class RecordReader implements StateQueries {
    static final byte[] JOURNAL_HEAD = Keys.utf8("journal-head");
    static final byte[] ACCESS_VERSION = Keys.utf8("access-version");
    static final byte[] PROMOTION = Keys.utf8("promotion");

    abstract byte[] get(Family family, byte[] key);

    /** Walks the keys of a family from {@code from}, in order, until the visitor says stop. */
    abstract void scan(Family family, byte[] from, RocksStorage.Visitor visitor);

    /** Walks the keys that start with {@code prefix}, in order. */
    final void scanPrefix(Family family, byte[] prefix, RocksStorage.Visitor visitor) {
        scan(family, prefix, (k, v) -> Keys.startsWith(k, prefix) && visitor.visit(k, v));
    }

    // --- secrets -----------------------------------------------------------------------

    @Override
    public Optional<SecretRecord> header(String id) {
        return Keys.idBytes(id).flatMap(k -> record(Family.SECRETS, k, SecretRecord.parser()));
    }

    @Override
    public Optional<SecretRecord> secretById(String id) {
        Optional<byte[]> key = Keys.idBytes(id);
        if (key.isEmpty()) {
            return Optional.empty();
        }
        byte[] idKey = key.get();
        Optional<SecretRecord> header = record(Family.SECRETS, idKey, SecretRecord.parser());
        if (header.isEmpty()) {
            return header;
        }
        SecretRecord.Builder secret = SecretKeys.withoutSummary(header.get()); // it lists versions and replicas
        Map<Long, List<String>> labels = labelsByOrdinal(idKey);
        scanPrefix(Family.VERSIONS, idKey, (k, v) -> {
            long ordinal = Keys.ordinalOf(k);
            secret.addVersions(withLabels(parse(v, VersionRecord.parser()), ordinal, labels));
            return true;
        });
        scanPrefix(Family.REPLICAS, idKey, (k, v) -> {
            secret.addReplicas(parse(v, ReplicaRecord.parser()));
            return true;
        });
        return Optional.of(secret.build());
    }

    @Override
    public Optional<SecretRecord> secretForNewVersion(String id, long pruneAt) {
        Optional<byte[]> key = Keys.idBytes(id);
        Optional<SecretRecord> header = key.flatMap(k -> record(Family.SECRETS, k, SecretRecord.parser()));
        if (header.isEmpty() || !header.get().hasVersionCount()) {
            return header.isEmpty() ? header : secretById(id);
        }
        byte[] idKey = key.get();
        SecretRecord stored = header.get();
        SecretRecord.Builder secret = stored.toBuilder().clearLabelledVersions().clearReplicaRegions();
        List<VersionRecord> versions = new ArrayList<>(stored.getLabelledVersionsList());
        if (stored.getVersionCount() >= pruneAt) {
            VersionRecord oldest = oldestUnlabelled(idKey, stored);
            if (oldest != null) {
                versions.add(oldest);
                versions.sort(Comparator.comparingLong(VersionRecord::getOrdinal));
            }
            // every version below the one found (or below the next ordinal) carries a label
            secret.setPruneFrom(oldest != null ? oldest.getOrdinal() : stored.getNextOrdinal());
        }
        secret.addAllVersions(versions);
        for (String region : stored.getReplicaRegionsList()) {
            secret.addReplicas(record(Family.REPLICAS, Keys.underId(idKey, Keys.utf8(region)), ReplicaRecord.parser())
                    .orElseThrow(() -> new StorageException("secret " + id + " lists a replica in " + region
                            + " that has no key", null)));
        }
        return Optional.of(secret.build());
    }

    /** The oldest version without a label, searched from the stored {@code prune_from}; null when all carry one. */
    private VersionRecord oldestUnlabelled(byte[] idKey, SecretRecord stored) {
        Set<Long> labelled = new HashSet<>();
        stored.getLabelledVersionsList().forEach(v -> labelled.add(v.getOrdinal()));
        VersionRecord[] found = {null};
        scan(Family.VERSIONS, Keys.ordinalKey(idKey, stored.getPruneFrom()), (k, v) -> {
            if (!Keys.startsWith(k, idKey)) {
                return false;
            }
            long ordinal = Keys.ordinalOf(k);
            if (labelled.contains(ordinal)) {
                return true;
            }
            found[0] = parse(v, VersionRecord.parser()).toBuilder().setOrdinal(ordinal).build();
            return false;
        });
        return found[0];
    }

    /** The secret's labels, grouped by the ordinal of the version that carries them, in label order. */
    final Map<Long, List<String>> labelsByOrdinal(byte[] idKey) {
        Map<Long, List<String>> labels = new HashMap<>();
        scanPrefix(Family.LABELS, idKey, (k, v) -> {
            labels.computeIfAbsent(Keys.ordinal(v), o -> new ArrayList<>()).add(Keys.suffix(k));
            return true;
        });
        return labels;
    }

    private static VersionRecord withLabels(VersionRecord stored, long ordinal, Map<Long, List<String>> labels) {
        return stored.toBuilder().setOrdinal(ordinal).addAllStages(labels.getOrDefault(ordinal, List.of())).build();
    }

    @Override
    public Optional<String> idByName(String name) {
        return Optional.ofNullable(get(Family.NAMES, Keys.utf8(name))).map(v -> Keys.idString(v, 0));
    }

    private Optional<Long> ordinalOf(Family index, String secretId, String suffix) {
        return Keys.idBytes(secretId)
                .map(id -> get(index, Keys.underId(id, Keys.utf8(suffix))))
                .map(Keys::ordinal);
    }

    @Override
    public Optional<VersionRecord> versionById(String secretId, String versionId) {
        return ordinalOf(Family.VERSION_IDS, secretId, versionId).flatMap(o -> versionAt(secretId, o));
    }

    @Override
    public Optional<VersionRecord> versionByLabel(String secretId, String label) {
        return ordinalOf(Family.LABELS, secretId, label).flatMap(o -> versionAt(secretId, o));
    }

    private Optional<VersionRecord> versionAt(String secretId, long ordinal) {
        byte[] id = Keys.id(secretId);
        return record(Family.VERSIONS, Keys.ordinalKey(id, ordinal), VersionRecord.parser())
                .map(v -> withLabels(v, ordinal, labelsByOrdinal(id)));
    }

    @Override
    public Optional<SealedValue> value(String secretId, String versionId) {
        return ordinalOf(Family.VERSION_IDS, secretId, versionId).flatMap(o -> valueAt(secretId, o));
    }

    @Override
    public Optional<SealedValue> valueAt(String secretId, long ordinal) {
        return Keys.idBytes(secretId)
                .flatMap(id -> record(Family.VALUES, Keys.ordinalKey(id, ordinal), SealedValue.parser()));
    }

    @Override
    public List<String> secretsReplicatedTo(String region, String afterId, int limit) {
        return idsInRegion(Family.REPLICAS_BY_REGION, region, afterId, limit);
    }

    @Override
    public List<String> secretsWithPrimary(String region, String afterId, int limit) {
        return idsInRegion(Family.BY_PRIMARY, region, afterId, limit);
    }

    private List<String> idsInRegion(Family index, String region, String afterId, int limit) {
        byte[] prefix = Keys.regionPrefix(region);
        byte[] from = afterId.isEmpty() ? prefix : Keys.after(Keys.regionId(region, Keys.id(afterId)));
        List<String> out = new ArrayList<>();
        if (from == null || limit <= 0) {
            return out;
        }
        scan(index, from, (k, v) -> {
            if (!Keys.startsWith(k, prefix)) {
                return false;
            }
            out.add(Keys.idOfRegionKey(k));
            return out.size() < limit;
        });
        return out;
    }

    @Override
    public List<String> primaryRegions() {
        List<String> regions = new ArrayList<>();
        byte[] from = new byte[0];
        while (from != null) {
            String[] found = {null};
            scan(Family.BY_PRIMARY, from, (k, v) -> {
                found[0] = Keys.regionOf(k);
                return false;
            });
            if (found[0] == null) {
                break;
            }
            regions.add(found[0]);
            from = Keys.after(Keys.regionPrefix(found[0])); // skip the rest of this region's entries
        }
        return regions;
    }

    @Override
    public Optional<PromotionRecord> promotion() {
        return record(Family.META, PROMOTION, PromotionRecord.parser());
    }

    @Override
    public List<SecretRecord> secretsByName(String prefix, String afterName, int limit) {
        List<SecretRecord> out = new ArrayList<>();
        byte[] start = Keys.utf8(afterName.compareTo(prefix) > 0 ? afterName : prefix);
        byte[] after = Keys.utf8(afterName);
        scan(Family.NAMES, start, (k, v) -> {
            String name = Keys.string(k);
            if (!name.startsWith(prefix) || out.size() >= limit) {
                return false;
            }
            if (!java.util.Arrays.equals(k, after)) {
                // the listing shows metadata and labels, so the whole secret (a page is bounded)
                secretById(Keys.idString(v, 0)).ifPresent(out::add);
            }
            return true;
        });
        return out;
    }

    @Override
    public List<String> rotationsDue(String region, long millis, int limit) {
        List<String> out = new ArrayList<>();
        byte[] prefix = Keys.regionPrefix(region);
        scan(Family.ROTATIONS, prefix, (k, v) -> {
            if (!Keys.startsWith(k, prefix) || out.size() >= limit
                    || java.nio.ByteBuffer.wrap(k, prefix.length, 8).getLong() > millis) {
                return false;
            }
            out.add(Keys.idString(k, prefix.length + 8));
            return true;
        });
        return out;
    }

    @Override
    public List<String> deletionsDue(long millis, int limit) {
        List<String> out = new ArrayList<>();
        scan(Family.DELETIONS, new byte[0], (k, v) -> {
            if (Keys.timedMillis(k) > millis || out.size() >= limit) {
                return false;
            }
            out.add(Keys.idString(k, 8));
            return true;
        });
        return out;
    }

    @Override
    public List<ValueRef> valuesWrappedBefore(int version, ValueRef after, int limit) {
        List<ValueRef> out = new ArrayList<>();
        byte[] from = after == null ? new byte[0] : Keys.after(Keys.ordinalKey(Keys.id(after.secretId()), after.ordinal()));
        if (from == null || limit <= 0) {
            return out;
        }
        scan(Family.VALUES, from, (k, v) -> {
            if (parse(v, SealedValue.parser()).getKeyVersion() < version) {
                byte[] meta = get(Family.VERSIONS, k);
                if (meta != null) {
                    out.add(new ValueRef(Keys.idString(k, 0), Keys.ordinalOf(k),
                            parse(meta, VersionRecord.parser()).getVersionId()));
                }
            }
            return out.size() < limit;
        });
        return out;
    }

    @Override
    public List<JournalRecord> journal(long fromSeq, int limit) {
        List<JournalRecord> out = new ArrayList<>();
        if (limit <= 0) {
            return out;
        }
        scan(Family.JOURNAL, Keys.seq(fromSeq), (k, v) -> {
            out.add(parse(v, JournalRecord.parser()));
            return out.size() < limit;
        });
        return out;
    }

    @Override
    public long journalStart() {
        long[] first = {journalHead() + 1};
        scan(Family.JOURNAL, new byte[0], (k, v) -> {
            first[0] = Keys.seqOf(k);
            return false;
        });
        return first[0];
    }

    // --- everything else ---------------------------------------------------------------

    @Override
    public Optional<AppliedRequest> appliedRequest(String requestId) {
        return record(Family.REQUESTS, Keys.utf8(requestId), AppliedRequest.parser());
    }

    @Override
    public List<String> requestsAppliedBefore(long millis, int limit) {
        List<String> out = new ArrayList<>();
        scan(Family.REQUESTS_BY_TIME, new byte[0], (k, v) -> {
            if (Keys.timedMillis(k) >= millis || out.size() >= limit) {
                return false;
            }
            out.add(Keys.timedString(k));
            return true;
        });
        return out;
    }

    @Override
    public List<RegionKeyRecord> regionKeys() {
        return all(Family.REGION_KEYS, RegionKeyRecord.parser());
    }

    @Override
    public List<TransportKeyRecord> transportKeys() {
        return all(Family.TRANSPORT_KEYS, TransportKeyRecord.parser());
    }

    @Override
    public long journalHead() {
        return number(JOURNAL_HEAD);
    }

    @Override
    public Optional<LinkRecord> link(String region) {
        return record(Family.LINKS, Keys.utf8(region), LinkRecord.parser());
    }

    @Override
    public List<LinkRecord> links() {
        return all(Family.LINKS, LinkRecord.parser());
    }

    @Override
    public Optional<SourceRecord> source(String region) {
        return record(Family.SOURCES, Keys.utf8(region), SourceRecord.parser());
    }

    @Override
    public List<SourceRecord> sources() {
        return all(Family.SOURCES, SourceRecord.parser());
    }

    @Override
    public Optional<PolicyRecord> policy(String name) {
        return record(Family.POLICIES, Keys.utf8(name), PolicyRecord.parser());
    }

    @Override
    public List<PolicyRecord> policies() {
        return all(Family.POLICIES, PolicyRecord.parser());
    }

    @Override
    public Optional<TokenRecord> token(String accessor) {
        return record(Family.TOKENS, Keys.utf8(accessor), TokenRecord.parser());
    }

    @Override
    public List<TokenRecord> tokens() {
        return all(Family.TOKENS, TokenRecord.parser());
    }

    @Override
    public long accessVersion() {
        return number(ACCESS_VERSION);
    }

    @Override
    public List<AuditHeadRecord> auditHeads() {
        return all(Family.AUDIT_HEADS, AuditHeadRecord.parser());
    }

    private long number(byte[] metaKey) {
        byte[] v = get(Family.META, metaKey);
        return v == null ? 0 : ByteBuffer.wrap(v).getLong();
    }

    <T extends MessageLite> Optional<T> record(Family family, byte[] key, Parser<T> parser) {
        return Optional.ofNullable(get(family, key)).map(b -> parse(b, parser));
    }

    /** Every record of a small family (keys, links, sources, policies, tokens), in key order. */
    <T extends MessageLite> List<T> all(Family family, Parser<T> parser) {
        List<T> out = new ArrayList<>();
        scan(family, new byte[0], (k, v) -> out.add(parse(v, parser)));
        return out;
    }

    static <T extends MessageLite> T parse(byte[] bytes, Parser<T> parser) {
        try {
            return parser.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new StorageException("damaged record", e);
        }
    }
}
