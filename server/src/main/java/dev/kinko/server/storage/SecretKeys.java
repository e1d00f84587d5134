package dev.kinko.server.storage;

import dev.kinko.proto.raft.v1.ReplicaRecord;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.VersionRecord;
import dev.kinko.server.storage.RocksStorage.Family;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a secret as its layout-v2 keys, and only the ones that changed: comparing the record
 * before and after a command, a new version costs its metadata, id index entry, value and the
 * labels that moved, however many versions the secret keeps.
 */
final class SecretKeys {
    private final StorageBatch batch;

    SecretKeys(StorageBatch batch) {
        this.batch = batch;
    }

    void put(SecretRecord previous, SecretRecord record) {
        byte[] id = Keys.id(record.getId());
        SecretRecord prev = previous != null ? previous : SecretRecord.getDefaultInstance();
        boolean fresh = previous == null;

        long versionsBefore = prev.hasVersionCount() ? prev.getVersionCount() : prev.getVersionsCount();
        long versionsAfter = versionsBefore + putVersions(id, prev, record);
        // a partial record carries the bound it was read with; a whole one leaves the stored bound
        long pruneFrom = prev.hasVersionCount() ? prev.getPruneFrom()
                : fresh ? 0 : batch.header(record.getId()).map(SecretRecord::getPruneFrom).orElse(0L);
        SecretRecord header = header(prev, record, versionsAfter, pruneFrom);
        // most writes move the change time or the count: then the old header need not be built to compare
        if (fresh || prev.getLastChangedMillis() != record.getLastChangedMillis() || versionsAfter != versionsBefore
                || !header.equals(header(prev, prev, versionsBefore, pruneFrom))) {
            batch.put(Family.SECRETS, id, header.toByteArray());
        }
        if (fresh || !prev.getName().equals(record.getName())) {
            if (!fresh) {
                batch.delete(Family.NAMES, Keys.utf8(prev.getName()));
            }
            batch.put(Family.NAMES, Keys.utf8(record.getName()), id);
        }
        if (prev.getDeletionDateMillis() != record.getDeletionDateMillis()) {
            if (prev.getDeletionDateMillis() != 0) {
                batch.delete(Family.DELETIONS, Keys.timedId(prev.getDeletionDateMillis(), id));
            }
            if (record.getDeletionDateMillis() != 0) {
                batch.put(Family.DELETIONS, Keys.timedId(record.getDeletionDateMillis(), id), new byte[0]);
            }
        }
        byte[] rotationBefore = fresh ? null : rotationKey(prev, id);
        byte[] rotationAfter = rotationKey(record, id);
        if (!Arrays.equals(rotationBefore, rotationAfter)) {
            if (rotationBefore != null) {
                batch.delete(Family.ROTATIONS, rotationBefore);
            }
            if (rotationAfter != null) {
                batch.put(Family.ROTATIONS, rotationAfter, new byte[0]);
            }
        }
        if (fresh || !prev.getPrimaryRegion().equals(record.getPrimaryRegion())) {
            if (!fresh) {
                batch.delete(Family.BY_PRIMARY, Keys.regionId(prev.getPrimaryRegion(), id));
            }
            batch.put(Family.BY_PRIMARY, Keys.regionId(record.getPrimaryRegion(), id), new byte[0]);
        }
        putLabels(id, prev, record);
        putReplicas(id, prev, record);
    }

    void remove(SecretRecord record) {
        byte[] id = Keys.id(record.getId());
        batch.delete(Family.SECRETS, id);
        batch.delete(Family.NAMES, Keys.utf8(record.getName()));
        if (record.getDeletionDateMillis() != 0) {
            batch.delete(Family.DELETIONS, Keys.timedId(record.getDeletionDateMillis(), id));
        }
        batch.delete(Family.BY_PRIMARY, Keys.regionId(record.getPrimaryRegion(), id));
        byte[] rotation = rotationKey(record, id);
        if (rotation != null) {
            batch.delete(Family.ROTATIONS, rotation);
        }
        for (VersionRecord v : record.getVersionsList()) {
            removeVersion(id, v);
            for (String label : v.getStagesList()) {
                batch.delete(Family.LABELS, Keys.underId(id, Keys.utf8(label)));
            }
        }
        for (ReplicaRecord r : record.getReplicasList()) {
            batch.delete(Family.REPLICAS, Keys.underId(id, Keys.utf8(r.getRegion())));
            batch.delete(Family.REPLICAS_BY_REGION, Keys.regionId(r.getRegion(), id));
        }
    }

    /**
     * The secret's entry in the rotation index: when its rotation step is to be tried, or when
     * its next rotation is due; none while it is scheduled for deletion, failed or not rotating.
     */
    static byte[] rotationKey(SecretRecord record, byte[] id) {
        if (!record.hasRotation() || record.getDeletionDateMillis() != 0 || record.getRotation().getFailed()) {
            return null;
        }
        var r = record.getRotation();
        if (!r.getToken().isEmpty()) {
            return Keys.regionTimedId(record.getPrimaryRegion(), r.getNextAttemptMillis(), id);
        }
        if (r.getEnabled() && r.getNextRotationMillis() > 0) {
            return Keys.regionTimedId(record.getPrimaryRegion(), r.getNextRotationMillis(), id);
        }
        return null;
    }

    /**
     * What the secret's own key holds: everything but its versions and replicas, and the summary
     * a new version reads instead of them (see {@code SecretRecord.version_count}). {@code record}
     * lists every version that carries a label (a partial record does too).
     */
    static SecretRecord header(SecretRecord prev, SecretRecord record, long versionCount, long pruneFrom) {
        SecretRecord.Builder header = withoutSummary(record).clearVersions().clearReplicas()
                .setVersionCount(versionCount).setPruneFrom(lowered(pruneFrom, prev, record));
        record.getVersionsList().stream().filter(v -> v.getStagesCount() > 0)
                .sorted(Comparator.comparingLong(VersionRecord::getOrdinal))
                .forEach(v -> header.addLabelledVersions(v.toBuilder().clearStages()
                        .addAllStages(v.getStagesList().stream().sorted(Keys.UTF8_ORDER).toList())));
        record.getReplicasList().stream().map(ReplicaRecord::getRegion).sorted(Keys.UTF8_ORDER)
                .forEach(header::addReplicaRegions);
        return header.build();
    }

    /** The record without the stored summary: what {@code secretById} gives. */
    static SecretRecord.Builder withoutSummary(SecretRecord record) {
        return record.toBuilder().clearVersionCount().clearLabelledVersions().clearReplicaRegions().clearPruneFrom();
    }

    /**
     * {@code bound} (every older version carries a label), lowered to any version that now
     * carries no label but did before, or is new.
     */
    private static long lowered(long bound, SecretRecord prev, SecretRecord record) {
        Map<String, Integer> stagesBefore = new HashMap<>();
        prev.getVersionsList().forEach(v -> stagesBefore.put(v.getVersionId(), v.getStagesCount()));
        for (VersionRecord v : record.getVersionsList()) {
            Integer before = stagesBefore.get(v.getVersionId());
            if (v.getStagesCount() == 0 && (before == null || before > 0)) {
                bound = Math.min(bound, v.getOrdinal());
            }
        }
        return bound;
    }

    /** What a version's key holds: its id and time (its labels have keys of their own). */
    static VersionRecord stored(VersionRecord version) {
        return VersionRecord.newBuilder().setVersionId(version.getVersionId())
                .setCreatedMillis(version.getCreatedMillis()).build();
    }

    /**
     * Writes the versions added or moved and removes those dropped; returns by how many the
     * secret's versions grew. Both records may be partial ({@code secretForNewVersion}): a
     * version in neither is left as it is.
     */
    private long putVersions(byte[] id, SecretRecord prev, SecretRecord record) {
        long added = 0;
        Map<String, VersionRecord> before = new HashMap<>();
        prev.getVersionsList().forEach(v -> before.put(v.getVersionId(), v));
        for (VersionRecord v : record.getVersionsList()) {
            VersionRecord old = before.remove(v.getVersionId());
            if (old != null && old.getOrdinal() == v.getOrdinal() && old.getCreatedMillis() == v.getCreatedMillis()) {
                continue;
            }
            if (old != null && old.getOrdinal() != v.getOrdinal()) {
                removeVersion(id, old);
            }
            if (old == null) {
                added++;
            }
            batch.put(Family.VERSIONS, Keys.ordinalKey(id, v.getOrdinal()), stored(v).toByteArray());
            batch.put(Family.VERSION_IDS, Keys.underId(id, Keys.utf8(v.getVersionId())), Keys.ordinal(v.getOrdinal()));
        }
        before.values().forEach(v -> removeVersion(id, v)); // pruned, or gone from a replica
        return added - before.size();
    }

    private void removeVersion(byte[] id, VersionRecord v) {
        batch.delete(Family.VERSIONS, Keys.ordinalKey(id, v.getOrdinal()));
        batch.delete(Family.VERSION_IDS, Keys.underId(id, Keys.utf8(v.getVersionId())));
        batch.delete(Family.VALUES, Keys.ordinalKey(id, v.getOrdinal()));
    }

    private void putLabels(byte[] id, SecretRecord prev, SecretRecord record) {
        Map<String, Long> before = labels(prev);
        Map<String, Long> after = labels(record);
        after.forEach((label, ordinal) -> {
            if (!Objects.equals(before.get(label), ordinal)) {
                batch.put(Family.LABELS, Keys.underId(id, Keys.utf8(label)), Keys.ordinal(ordinal));
            }
        });
        before.keySet().stream().filter(l -> !after.containsKey(l))
                .forEach(l -> batch.delete(Family.LABELS, Keys.underId(id, Keys.utf8(l))));
    }

    private static Map<String, Long> labels(SecretRecord record) {
        Map<String, Long> out = new HashMap<>();
        record.getVersionsList().forEach(v -> v.getStagesList().forEach(l -> out.put(l, v.getOrdinal())));
        return out;
    }

    private void putReplicas(byte[] id, SecretRecord prev, SecretRecord record) {
        Map<String, ReplicaRecord> before = new HashMap<>();
        prev.getReplicasList().forEach(r -> before.put(r.getRegion(), r));
        for (ReplicaRecord r : record.getReplicasList()) {
            ReplicaRecord old = before.remove(r.getRegion());
            if (r.equals(old)) {
                continue;
            }
            batch.put(Family.REPLICAS, Keys.underId(id, Keys.utf8(r.getRegion())), r.toByteArray());
            if (old == null) {
                batch.put(Family.REPLICAS_BY_REGION, Keys.regionId(r.getRegion(), id), new byte[0]);
            }
        }
        for (ReplicaRecord r : before.values()) {
            batch.delete(Family.REPLICAS, Keys.underId(id, Keys.utf8(r.getRegion())));
            batch.delete(Family.REPLICAS_BY_REGION, Keys.regionId(r.getRegion(), id));
        }
    }
}
