package dev.kinko.server.domain;

import dev.kinko.proto.raft.v1.JournalRecord;
import dev.kinko.proto.raft.v1.SecretRecord;
import java.util.List;

/** Scans over the committed state, for reads and for the leader's housekeeping. */
public interface StateQueries extends StateReader {
    /** Secrets in name order, names strictly after {@code afterName}, starting with {@code prefix}. */
    List<SecretRecord> secretsByName(String prefix, String afterName, int limit);

    /**
     * Ids of the secrets whose primary region is {@code region} with a rotation to start or a
     * rotation step to try at or before {@code millis}, soonest first, at most {@code limit}.
     */
    List<String> rotationsDue(String region, long millis, int limit);

    /** Ids of secrets whose purge is due at or before {@code millis}, at most {@code limit}. */
    List<String> deletionsDue(long millis, int limit);

    /**
     * Values whose data key is wrapped by a region key version older than {@code version}, in
     * key order, after {@code after} (null: from the first), at most {@code limit}. A re-wrap
     * walks the values once by passing the last one it saw.
     */
    List<ValueRef> valuesWrappedBefore(int version, ValueRef after, int limit);

    default List<ValueRef> valuesWrappedBefore(int version, int limit) {
        return valuesWrappedBefore(version, null, limit);
    }

    /** A stored value: its secret, the version's ordinal (its key) and the version's id. */
    record ValueRef(String secretId, long ordinal, String versionId) {}

    /** Journal records with sequence at least {@code fromSeq}, in order, at most {@code limit}. */
    List<JournalRecord> journal(long fromSeq, int limit);

    /** The oldest journal sequence still kept (head + 1 when the journal is empty). */
    long journalStart();
}
