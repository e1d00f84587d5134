package dev.kinko.server.domain.command;

import dev.kinko.proto.raft.v1.JournalRecord;
import dev.kinko.proto.raft.v1.ReplicaRecord;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.server.domain.StateWriter;
import java.util.Collection;
import java.util.List;

/**
 * The primary region's journal of replicated changes. A record is appended in
 * the same batch as the change it describes, with the next sequence number,
 * and each replica of the secret remembers the newest sequence that concerns it.
 */
public final class Journal {
    private Journal() {}

    /**
     * Journals a change of {@code record} for its replica regions that have not refused it,
     * and returns the record with their sequence updated (unchanged when it has no replicas).
     */
    public static SecretRecord changed(StateWriter state, SecretRecord record, Collection<String> versionIds, long now) {
        List<String> regions = record.getReplicasList().stream()
                .filter(r -> r.getFailureMessage().isEmpty()).map(ReplicaRecord::getRegion).toList();
        if (regions.isEmpty()) {
            return record;
        }
        long seq = append(state, record, regions, versionIds, false, now);
        SecretRecord.Builder b = record.toBuilder();
        for (int i = 0; i < b.getReplicasCount(); i++) {
            if (regions.contains(b.getReplicas(i).getRegion())) {
                b.setReplicas(i, b.getReplicas(i).toBuilder().setLastSeq(seq).setLastChangeMillis(now));
            }
        }
        return b.build();
    }

    /**
     * Journals that the secret changed, naming the versions whose values must travel, for
     * {@code regions}. The record copies nothing: the shipper reads the secret as it is when it
     * ships, which is this change or a later one.
     */
    private static long append(StateWriter state, SecretRecord secret, Collection<String> regions, Collection<String> versionIds,
                       boolean force, long now) {
        return append(state, JournalRecord.newBuilder().setSecretId(secret.getId())
                .setNextOrdinal(secret.getNextOrdinal()).addAllVersionIds(versionIds).setForceOverwrite(force),
                regions, now);
    }

    /** Journals a full copy of the secret (every version's value travels) for {@code regions}. */
    public static long appendFull(StateWriter state, String secretId, Collection<String> regions, boolean force, long now) {
        return append(state, JournalRecord.newBuilder().setSecretId(secretId).setNextOrdinal(0).setForceOverwrite(force),
                regions, now);
    }

    /** Journals that {@code regions} stop replicating the secret: their replicas become standalone. */
    public static long appendDetach(StateWriter state, String secretId, Collection<String> regions, long now) {
        return append(state, JournalRecord.newBuilder().setSecretId(secretId).setDetach(true), regions, now);
    }

    private static long append(StateWriter state, JournalRecord.Builder record, Collection<String> regions, long now) {
        long seq = state.journalHead() + 1;
        state.appendJournal(record.setSeq(seq).setTimestampMillis(now).addAllRegions(regions).build());
        return seq;
    }
}
