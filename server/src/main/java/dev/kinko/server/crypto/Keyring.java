package dev.kinko.server.crypto;

import com.google.protobuf.ByteString;
import dev.kinko.proto.raft.v1.RegionKeyRecord;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The region key versions. They live in the replicated state, each wrapped by
 * the master key from the node's key file; this class unwraps them on first
 * use and keeps them in memory only.
 */
public final class Keyring {
    private final byte[] masterKey;
    private final Supplier<List<RegionKeyRecord>> records;
    private final Map<Integer, byte[]> unwrapped = new ConcurrentHashMap<>();

    public Keyring(byte[] masterKey, Supplier<List<RegionKeyRecord>> records) {
        this.masterKey = masterKey.clone();
        this.records = records;
    }

    /** The newest region key version, or 0 if the region has none yet. */
    public int newestVersion() {
        return records.get().stream().mapToInt(RegionKeyRecord::getVersion).max().orElse(0);
    }

    byte[] key(int version) {
        return unwrapped.computeIfAbsent(version, v -> {
            RegionKeyRecord record = records.get().stream().filter(r -> r.getVersion() == v).findFirst()
                    .orElseThrow(() -> new CryptoException("region key version " + v + " is unknown"));
            try {
                return Aead.open(masterKey, aad(v), record.getWrappedKey().toByteArray());
            } catch (CryptoException e) {
                throw new CryptoException("this node's key file does not match the region's keyring"
                        + " (region key version " + v + " cannot be unwrapped)", e);
            }
        });
    }

    /** Unwraps every region key version: fails when the master key is not the one that wrapped them. */
    public void verifyAll() {
        records.get().forEach(r -> key(r.getVersion()));
    }

    /** Forgets the master key and every unwrapped region key (a keyring used once, e.g. by a restore). */
    public void destroy() {
        java.util.Arrays.fill(masterKey, (byte) 0);
        unwrapped.values().forEach(k -> java.util.Arrays.fill(k, (byte) 0));
        unwrapped.clear();
    }

    /** A new random region key version, wrapped by the master key, ready to be proposed. */
    public RegionKeyRecord newVersion(int version, long nowMillis) {
        byte[] key = Aead.randomKey();
        try {
            return RegionKeyRecord.newBuilder()
                    .setVersion(version)
                    .setWrappedKey(ByteString.copyFrom(Aead.seal(masterKey, aad(version), key)))
                    .setCreatedMillis(nowMillis)
                    .build();
        } finally {
            java.util.Arrays.fill(key, (byte) 0);
        }
    }

    private static byte[] aad(int version) {
        return ("kinko/region-key/" + version).getBytes(StandardCharsets.UTF_8);
    }
}
