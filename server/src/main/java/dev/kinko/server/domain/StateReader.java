package dev.kinko.server.domain;

import dev.kinko.proto.raft.v1.AppliedRequest;
import dev.kinko.proto.raft.v1.AuditHeadRecord;
import dev.kinko.proto.raft.v1.PolicyRecord;
import dev.kinko.proto.raft.v1.TokenRecord;
import dev.kinko.proto.raft.v1.LinkRecord;
import dev.kinko.proto.raft.v1.RegionKeyRecord;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.PromotionRecord;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.SourceRecord;
import dev.kinko.proto.raft.v1.TransportKeyRecord;
import dev.kinko.proto.raft.v1.VersionRecord;
import java.util.List;
import java.util.Optional;

/** Read access to a region's state. Declared here so the domain never sees RocksDB. */
public interface StateReader {
    /** The whole secret: its metadata, every version (oldest first, with its labels) and its replicas. */
    Optional<SecretRecord> secretById(String id);

    /**
     * The secret as a new version sees it, from its metadata key alone however many versions it
     * holds: the metadata with {@code version_count} set, its replicas, and only the versions a
     * new version can touch (oldest first): those that carry a label and, once it holds
     * {@code pruneAt} versions, the oldest one that carries none (the next to be pruned).
     * Metadata stored before {@code version_count} existed gives the whole secret, without
     * {@code version_count}, as {@link #secretById} does.
     */
    Optional<SecretRecord> secretForNewVersion(String id, long pruneAt);

    /** The secret's metadata alone (no versions, no replicas): one key, for the paths that need no more. */
    Optional<SecretRecord> header(String id);

    Optional<String> idByName(String name);

    Optional<SealedValue> value(String secretId, String versionId);

    /** One version with its labels, by version id. */
    Optional<VersionRecord> versionById(String secretId, String versionId);

    /** The version that carries {@code label}, with all its labels. */
    Optional<VersionRecord> versionByLabel(String secretId, String label);

    /** The value of the version with this ordinal. */
    Optional<SealedValue> valueAt(String secretId, long ordinal);

    List<RegionKeyRecord> regionKeys();

    List<TransportKeyRecord> transportKeys();

    /** Ids of the secrets replicated to {@code region}, in id order, after {@code afterId} ("" = from the first). */
    List<String> secretsReplicatedTo(String region, String afterId, int limit);

    /** Ids of the secrets whose primary region is {@code region}, in id order, after {@code afterId}. */
    List<String> secretsWithPrimary(String region, String afterId, int limit);

    /** The primary regions of the secrets held here, each once, in name order. */
    List<String> primaryRegions();

    /** A promotion whose replica secrets are not all standalone yet. */
    Optional<PromotionRecord> promotion();

    /** The newest journal sequence, 0 when nothing was journaled yet. */
    long journalHead();

    Optional<LinkRecord> link(String region);

    List<LinkRecord> links();

    Optional<SourceRecord> source(String region);

    List<SourceRecord> sources();

    /** The first result of a request id, while it is kept. */
    Optional<AppliedRequest> appliedRequest(String requestId);

    /** Request ids applied before {@code millis}, oldest first, at most {@code limit}. */
    List<String> requestsAppliedBefore(long millis, int limit);

    Optional<PolicyRecord> policy(String name);

    /** Every policy, in name order. */
    List<PolicyRecord> policies();

    Optional<TokenRecord> token(String accessor);

    /** Every token, in accessor order. */
    List<TokenRecord> tokens();

    /** Counts changes of this region's own policies and tokens: a link ships them when it moved. */
    long accessVersion();

    /** The audit chain head each node last recorded, in node order. */
    List<AuditHeadRecord> auditHeads();

    /** Resolves a request's secret_id: a name first, then an id. */
    default Optional<SecretRecord> resolve(String nameOrId) {
        return idByName(nameOrId).or(() -> Optional.of(nameOrId)).flatMap(this::secretById);
    }

    /** {@link #resolve} for the metadata alone. */
    default Optional<SecretRecord> resolveHeader(String nameOrId) {
        return idByName(nameOrId).or(() -> Optional.of(nameOrId)).flatMap(this::header);
    }
}
