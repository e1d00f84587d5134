package dev.kinko.server.domain;

import dev.kinko.proto.raft.v1.RegionKeyRecord;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;

/**
 * Changes made while applying one Raft entry. Reads through a writer see its
 * own earlier writes, so commands later in a batch see the earlier ones.
 */
public interface StateWriter extends StateReader {
    /** Stores the record and indexes its name (and its deletion date, when scheduled). */
    void putSecret(SecretRecord previous, SecretRecord record);

    /** Removes the record, its name, its deletion index entry and all its values. */
    void removeSecret(SecretRecord record);

    void putValue(String secretId, String versionId, SealedValue value);

    void removeValue(String secretId, String versionId);

    void putRegionKey(RegionKeyRecord key);
}
