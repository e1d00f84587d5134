package dev.kinko.server.domain;

import dev.kinko.proto.raft.v1.AppliedRequest;
import dev.kinko.proto.raft.v1.AuditHeadRecord;
import dev.kinko.proto.raft.v1.PolicyRecord;
import dev.kinko.proto.raft.v1.TokenRecord;
import dev.kinko.proto.raft.v1.LinkRecord;
import dev.kinko.proto.raft.v1.RegionKeyRecord;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.SourceRecord;
import dev.kinko.proto.raft.v1.TransportKeyRecord;
import java.util.List;
import java.util.Optional;

/** Read access to a region's state. Declared here so the domain never sees RocksDB. */
public interface StateReader {
    Optional<SecretRecord> secretById(String id);

    Optional<String> idByName(String name);

    Optional<SealedValue> value(String secretId, String versionId);

    List<RegionKeyRecord> regionKeys();

    List<TransportKeyRecord> transportKeys();

    /** Every secret, in id order (promotion and re-seed walk them all). */
    List<SecretRecord> allSecrets();

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
}
