package dev.kinko.server.domain;

import dev.kinko.proto.raft.v1.AppliedRequest;
import dev.kinko.proto.raft.v1.AuditHeadRecord;
import dev.kinko.proto.raft.v1.PolicyRecord;
import dev.kinko.proto.raft.v1.TokenRecord;
import dev.kinko.proto.raft.v1.JournalRecord;
import dev.kinko.proto.raft.v1.LinkRecord;
import dev.kinko.proto.raft.v1.PromotionRecord;
import dev.kinko.proto.raft.v1.RegionKeyRecord;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.SourceRecord;
import dev.kinko.proto.raft.v1.TransportKeyRecord;

/**
 * Changes made while applying one Raft entry. Reads through a writer see its
 * own earlier writes, so commands later in a batch see the earlier ones.
 */
public interface StateWriter extends StateReader {
    /**
     * Stores {@code record} over {@code previous} (null for a new secret), both as
     * {@link #secretById} gives them: only the keys that differ are written (the metadata,
     * added or dropped versions with their values, moved labels, changed replicas and the
     * indexes), so a write costs the same with 1 version or 100.
     */
    void putSecret(SecretRecord previous, SecretRecord record);

    /** Removes the secret: metadata, name, indexes, versions, labels, values and replicas. */
    void removeSecret(SecretRecord record);

    /** The value of a version the secret's stored record lists (put the record first). */
    void putValue(String secretId, String versionId, SealedValue value);

    /**
     * Marks where the current command starts: {@link #rollbackToSavepoint} drops every write
     * since, so a refused command leaves nothing behind; {@link #releaseSavepoint} keeps them.
     */
    void savepoint();

    void rollbackToSavepoint();

    void releaseSavepoint();

    void putPromotion(PromotionRecord promotion);

    void clearPromotion();

    void putRegionKey(RegionKeyRecord key);

    void putTransportKey(TransportKeyRecord key);

    /** Stores the record and makes its sequence the journal head. */
    void appendJournal(JournalRecord record);

    /** Removes journal records up to and including {@code upTo}. */
    void truncateJournal(long upTo);

    void putLink(LinkRecord link);

    void removeLink(String region);

    void putSource(SourceRecord source);

    /**
     * Moves a secret out of the way (record and sealed values, never plaintext) into the
     * archive, so a forced overwrite by replication never silently drops data.
     */
    void archiveSecret(SecretRecord record, long nowMillis);

    /** Keeps a request id's result for its retries. */
    void putAppliedRequest(String requestId, AppliedRequest request);

    void removeAppliedRequest(String requestId);

    void putPolicy(PolicyRecord policy);

    void removePolicy(String name);

    void putToken(TokenRecord token);

    void removeToken(String accessor);

    void putAuditHead(AuditHeadRecord head);

    void setAccessVersion(long version);
}
