package dev.kinko.server.frontend;

import com.google.protobuf.Timestamp;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.VersionRecord;
import dev.kinko.proto.v1.RotationInfo;
import dev.kinko.proto.v1.SecretMetadata;
import dev.kinko.proto.raft.v1.RotationRecord;
import dev.kinko.proto.v1.SecretVersionInfo;
import dev.kinko.proto.v1.Tag;
import dev.kinko.server.domain.StateReader;
import java.util.Map;
import java.util.TreeMap;

/** Stored records as the public messages clients see. */
public final class Records {
    private Records() {}

    public static Timestamp timestamp(long millis) {
        return Timestamp.newBuilder().setSeconds(Math.floorDiv(millis, 1000))
                .setNanos((int) Math.floorMod(millis, 1000) * 1_000_000).build();
    }

    /** The metadata as this region shows it: replica flag and, in the primary, each replica's status. */
    static SecretMetadata metadata(SecretRecord r, String region, StateReader state, long now) {
        return metadata(r).toBuilder()
                .setReplica(!r.getPrimaryRegion().equals(region))
                .addAllReplicationStatus(ReplicationStatuses.of(r, state, now))
                .build();
    }

    static SecretMetadata metadata(SecretRecord r) {
        SecretMetadata.Builder m = SecretMetadata.newBuilder()
                .setId(r.getId())
                .setName(r.getName())
                .setDescription(r.getDescription())
                .setCreatedDate(timestamp(r.getCreatedMillis()))
                .setLastChangedDate(timestamp(r.getLastChangedMillis()))
                .setPrimaryRegion(r.getPrimaryRegion());
        if (r.getDeletionDateMillis() != 0) {
            m.setDeletedDate(timestamp(r.getDeletionDateMillis()));
        }
        if (r.hasRotation()) {
            m.setRotation(rotation(r.getRotation()));
        }
        new TreeMap<>(r.getTagsMap()).forEach((k, v) -> m.addTags(Tag.newBuilder().setKey(k).setValue(v)));
        // newest first, as people read a history
        for (int i = r.getVersionsCount() - 1; i >= 0; i--) {
            m.addVersions(version(r.getVersions(i)));
        }
        return m.build();
    }

    static RotationInfo rotation(RotationRecord r) {
        RotationInfo.Builder b = RotationInfo.newBuilder().setRotationEnabled(r.getEnabled()).setRotator(r.getRotator())
                .setRotatingVersionId(r.getToken()).setStep(r.getStep()).setAttempts(r.getAttempts())
                .setLastError(r.getLastError()).setFailed(r.getFailed());
        if (r.hasRules()) {
            b.setRotationRules(r.getRules());
        }
        if (r.getLastRotatedMillis() != 0) {
            b.setLastRotatedDate(timestamp(r.getLastRotatedMillis()));
        }
        if (r.getNextRotationMillis() != 0) {
            b.setNextRotationDate(timestamp(r.getNextRotationMillis()));
        }
        if (!r.getToken().isEmpty() && !r.getFailed() && r.getNextAttemptMillis() != 0) {
            b.setNextAttemptDate(timestamp(r.getNextAttemptMillis()));
        }
        return b.build();
    }

    static SecretVersionInfo version(VersionRecord v) {
        return SecretVersionInfo.newBuilder()
                .setVersionId(v.getVersionId())
                .addAllVersionStages(v.getStagesList())
                .setCreatedDate(timestamp(v.getCreatedMillis()))
                .build();
    }

    static Map<String, String> tags(Iterable<Tag> tags) {
        Map<String, String> out = new TreeMap<>();
        tags.forEach(t -> out.put(t.getKey(), t.getValue()));
        return out;
    }
}
