package dev.kinko.server.crypto;

import com.google.protobuf.ByteString;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.server.domain.ValueCipher;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Envelope encryption: each version gets a fresh AES-256 data key; the value is
 * sealed with AES-256-GCM whose associated data binds secret id and version
 * id; the data key is sealed by a region key version, bound to the same ids.
 */
public final class EnvelopeCipher implements ValueCipher {
    private final Keyring keyring;

    public EnvelopeCipher(Keyring keyring) {
        this.keyring = keyring;
    }

    @Override
    public SealedValue seal(String secretId, String versionId, byte[] plaintext, boolean binary) {
        if (keyring.newestVersion() == 0) {
            throw new CryptoException("the region has no region key yet");
        }
        byte[] dataKey = Aead.randomKey();
        try {
            return adopt(secretId, versionId, dataKey, Aead.seal(dataKey, valueAad(secretId, versionId), plaintext), binary);
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    @Override
    public byte[] open(String secretId, String versionId, SealedValue sealed) {
        byte[] dataKey = unwrap(secretId, versionId, sealed);
        try {
            return Aead.open(dataKey, valueAad(secretId, versionId), sealed.getCiphertext().toByteArray());
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    /** The data key of {@code sealed}, wrapped again by region key {@code toVersion}. */
    public byte[] rewrap(String secretId, String versionId, SealedValue sealed, int toVersion) {
        byte[] dataKey = unwrap(secretId, versionId, sealed);
        try {
            return wrap(secretId, versionId, toVersion, dataKey);
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    /** The data key of a stored value (to send it sealed to another region); the caller clears it. */
    public byte[] dataKey(String secretId, String versionId, SealedValue sealed) {
        return unwrap(secretId, versionId, sealed);
    }

    /**
     * An access key's secret, sealed like a value under a fresh data key, but with associated
     * data of its own kind bound to the access key id: it opens for no other key and never as a
     * secret's value (nor a value as it).
     */
    public SealedValue sealAccessKeySecret(String accessKeyId, byte[] secret) {
        int keyVersion = keyring.newestVersion();
        if (keyVersion == 0) {
            throw new CryptoException("the region has no region key yet");
        }
        byte[] dataKey = Aead.randomKey();
        try {
            byte[] ciphertext = Aead.seal(dataKey, accessKeyAad(accessKeyId), secret);
            byte[] wrapped = Aead.seal(keyring.key(keyVersion), accessKeyDataKeyAad(accessKeyId, keyVersion), dataKey);
            return SealedValue.newBuilder().setKeyVersion(keyVersion).setWrappedDataKey(ByteString.copyFrom(wrapped))
                    .setCiphertext(ByteString.copyFrom(ciphertext)).build();
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    /** The secret of access key {@code accessKeyId}; the caller wipes it. */
    public byte[] openAccessKeySecret(String accessKeyId, SealedValue sealed) {
        byte[] dataKey = Aead.open(keyring.key(sealed.getKeyVersion()),
                accessKeyDataKeyAad(accessKeyId, sealed.getKeyVersion()), sealed.getWrappedDataKey().toByteArray());
        try {
            return Aead.open(dataKey, accessKeyAad(accessKeyId), sealed.getCiphertext().toByteArray());
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    /** A value that arrived from another region, its data key now wrapped by this region's newest key. */
    public SealedValue adopt(String secretId, String versionId, byte[] dataKey, byte[] ciphertext, boolean binary) {
        int keyVersion = keyring.newestVersion();
        if (keyVersion == 0) {
            throw new CryptoException("the region has no region key yet");
        }
        return SealedValue.newBuilder()
                .setKeyVersion(keyVersion)
                .setWrappedDataKey(ByteString.copyFrom(wrap(secretId, versionId, keyVersion, dataKey)))
                .setCiphertext(ByteString.copyFrom(ciphertext))
                .setBinary(binary)
                .build();
    }

    private byte[] wrap(String secretId, String versionId, int keyVersion, byte[] dataKey) {
        return Aead.seal(keyring.key(keyVersion), keyAad(secretId, versionId, keyVersion), dataKey);
    }

    private byte[] unwrap(String secretId, String versionId, SealedValue sealed) {
        return Aead.open(keyring.key(sealed.getKeyVersion()), keyAad(secretId, versionId, sealed.getKeyVersion()),
                sealed.getWrappedDataKey().toByteArray());
    }

    private static byte[] valueAad(String secretId, String versionId) {
        return ("kinko/value\0" + secretId + "\0" + versionId).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] accessKeyAad(String accessKeyId) {
        return ("kinko/access-key\0" + accessKeyId).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] accessKeyDataKeyAad(String accessKeyId, int keyVersion) {
        return ("kinko/access-key-data-key\0" + accessKeyId + "\0" + keyVersion).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] keyAad(String secretId, String versionId, int keyVersion) {
        return ("kinko/data-key\0" + secretId + "\0" + versionId + "\0" + keyVersion).getBytes(StandardCharsets.UTF_8);
    }
}
