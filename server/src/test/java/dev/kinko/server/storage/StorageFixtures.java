package dev.kinko.server.storage;

import com.google.protobuf.ByteString;
import dev.kinko.proto.raft.v1.RegionKeyRecord;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.VersionRecord;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** Records for the storage tests, and a full dump of a storage's state for comparisons. */
final class StorageFixtures {
    private StorageFixtures() {}

    /** A secret id (a UUID) that sorts as {@code label} does (up to 16 ASCII characters). */
    static String id(String label) {
        byte[] b = java.util.Arrays.copyOf(label.getBytes(java.nio.charset.StandardCharsets.US_ASCII), 16);
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b);
        return new java.util.UUID(buf.getLong(), buf.getLong()).toString();
    }

    /** A secret as the storage gives it back: versions oldest first, with their ordinals. */
    static SecretRecord secret(String id, String name, long deletionDate, String... versionIds) {
        SecretRecord.Builder b = SecretRecord.newBuilder().setId(id).setName(name).setCreatedMillis(1_000)
                .setLastChangedMillis(1_000).setDeletionDateMillis(deletionDate).setPrimaryRegion("tokyo");
        for (String v : versionIds) {
            b.addVersions(VersionRecord.newBuilder().setVersionId(v).setCreatedMillis(1_000)
                    .setOrdinal(b.getVersionsCount()));
        }
        return b.setNextOrdinal(versionIds.length).build();
    }

    static SealedValue sealed(int keyVersion, String marker) {
        return SealedValue.newBuilder().setKeyVersion(keyVersion)
                .setWrappedDataKey(ByteString.copyFromUtf8("wrapped-" + marker))
                .setCiphertext(ByteString.copyFromUtf8("cipher-" + marker)).build();
    }

    static RegionKeyRecord regionKey(int version) {
        return RegionKeyRecord.newBuilder().setVersion(version)
                .setWrappedKey(ByteString.copyFromUtf8("region-key-" + version)).setCreatedMillis(version).build();
    }

    /** Everything reachable through the storage's queries, plus the applied index. */
    static Map<String, Object> dump(RocksStorage storage) {
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("applied", storage.applied());
        Map<String, Object> secrets = new TreeMap<>();
        storage.secretsByName("", "", Integer.MAX_VALUE).forEach(s -> {
            secrets.put(s.getName(), s);
            secrets.put("id:" + s.getName(), storage.idByName(s.getName()).orElse(null));
        });
        all.put("secrets", secrets);
        Map<String, Object> values = new TreeMap<>();
        storage.valuesWrappedBefore(Integer.MAX_VALUE, Integer.MAX_VALUE).forEach(ref -> values.put(
                ref.secretId() + "/" + ref.versionId(), storage.value(ref.secretId(), ref.versionId()).orElse(null)));
        all.put("values", values);
        all.put("deletions", storage.deletionsDue(Long.MAX_VALUE, Integer.MAX_VALUE));
        all.put("regionKeys", storage.regionKeys());
        return all;
    }
}
