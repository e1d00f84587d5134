package dev.kinko.server.crypto;

import com.google.protobuf.ByteString;
import dev.kinko.proto.raft.v1.TransportKeyRecord;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.agreement.X25519Agreement;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.generators.X25519KeyPairGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.X25519KeyGenerationParameters;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;

/**
 * The region's transport key (X25519): data keys replicated to this region
 * travel sealed for it. A sender agrees an ephemeral key with the public key,
 * derives an AES-256 key with HKDF-SHA256 and seals each data key with
 * AES-GCM bound to secret id and version id. The private key lives in the
 * replicated state, sealed by the master key.
 */
public final class TransportKeys {
    /** An X25519 public key (a region's transport key, a batch's ephemeral key). */
    public static final int PUBLIC_KEY_BYTES = X25519PublicKeyParameters.KEY_SIZE;
    /** A data key sealed for a transport key: an AES-256 key, sealed. */
    public static final int SEALED_DATA_KEY_BYTES = Aead.KEY_BYTES + Aead.OVERHEAD_BYTES;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] INFO = "kinko/replication/v1".getBytes(StandardCharsets.UTF_8);

    private final byte[] masterKey;
    private final Supplier<List<TransportKeyRecord>> records;
    private final Map<Integer, byte[]> privateKeys = new ConcurrentHashMap<>();

    public TransportKeys(byte[] masterKey, Supplier<List<TransportKeyRecord>> records) {
        this.masterKey = masterKey.clone();
        this.records = records;
    }

    /** The newest transport key, or null when the region has none yet. */
    public TransportKeyRecord newest() {
        return records.get().stream().max(Comparator.comparingInt(TransportKeyRecord::getVersion)).orElse(null);
    }

    /** A new key pair, the private half sealed by the master key, ready to be proposed. */
    public TransportKeyRecord newVersion(int version, long nowMillis) {
        X25519KeyPairGenerator gen = new X25519KeyPairGenerator();
        gen.init(new X25519KeyGenerationParameters(RANDOM));
        AsymmetricCipherKeyPair pair = gen.generateKeyPair();
        byte[] priv = ((X25519PrivateKeyParameters) pair.getPrivate()).getEncoded();
        try {
            return TransportKeyRecord.newBuilder()
                    .setVersion(version)
                    .setPublicKey(ByteString.copyFrom(((X25519PublicKeyParameters) pair.getPublic()).getEncoded()))
                    .setWrappedPrivateKey(ByteString.copyFrom(Aead.seal(masterKey, aad(version), priv)))
                    .setCreatedMillis(nowMillis)
                    .build();
        } finally {
            Arrays.fill(priv, (byte) 0);
        }
    }

    /** One recipient-side agreement with a batch's ephemeral key: derived once, opens many data keys. */
    public Opening opening(int version, byte[] ephemeralPublic) {
        byte[] priv = privateKeys.computeIfAbsent(version, v -> {
            TransportKeyRecord r = records.get().stream().filter(k -> k.getVersion() == v).findFirst()
                    .orElseThrow(() -> new CryptoException("transport key version " + v + " is unknown"));
            return Aead.open(masterKey, aad(v), r.getWrappedPrivateKey().toByteArray());
        });
        if (ephemeralPublic.length != X25519PublicKeyParameters.KEY_SIZE) {
            throw new CryptoException("an ephemeral public key must be " + X25519PublicKeyParameters.KEY_SIZE + " bytes");
        }
        return new Opening(derive(new X25519PrivateKeyParameters(priv, 0), ephemeralPublic));
    }

    /** Opens the data keys of one batch. */
    public static final class Opening {
        private final byte[] key;

        private Opening(byte[] key) {
            this.key = key;
        }

        public byte[] open(String secretId, String versionId, byte[] sealed) {
            return Aead.open(key, dataKeyAad(secretId, versionId), sealed);
        }
    }

    /** One sender-side agreement with a recipient's public key; seals many data keys. */
    public static final class Sealing {
        private final byte[] ephemeralPublic;
        private final byte[] key;

        public Sealing(byte[] recipientPublic) {
            X25519KeyPairGenerator gen = new X25519KeyPairGenerator();
            gen.init(new X25519KeyGenerationParameters(RANDOM));
            AsymmetricCipherKeyPair pair = gen.generateKeyPair();
            this.ephemeralPublic = ((X25519PublicKeyParameters) pair.getPublic()).getEncoded();
            this.key = deriveFor((X25519PrivateKeyParameters) pair.getPrivate(), ephemeralPublic, recipientPublic);
        }

        public byte[] ephemeralPublic() {
            return ephemeralPublic.clone();
        }

        public byte[] seal(String secretId, String versionId, byte[] dataKey) {
            return Aead.seal(key, dataKeyAad(secretId, versionId), dataKey);
        }
    }

    private static byte[] derive(X25519PrivateKeyParameters recipientPrivate, byte[] ephemeralPublic) {
        byte[] recipientPublic = recipientPrivate.generatePublicKey().getEncoded();
        X25519Agreement agreement = new X25519Agreement();
        agreement.init(recipientPrivate);
        byte[] shared = new byte[agreement.getAgreementSize()];
        agreement.calculateAgreement(new X25519PublicKeyParameters(ephemeralPublic, 0), shared, 0);
        return hkdf(shared, ephemeralPublic, recipientPublic);
    }

    private static byte[] deriveFor(X25519PrivateKeyParameters ephemeralPrivate, byte[] ephemeralPublic,
                                    byte[] recipientPublic) {
        if (recipientPublic.length != X25519PublicKeyParameters.KEY_SIZE) {
            throw new CryptoException("a transport public key must be " + X25519PublicKeyParameters.KEY_SIZE + " bytes");
        }
        X25519Agreement agreement = new X25519Agreement();
        agreement.init(ephemeralPrivate);
        byte[] shared = new byte[agreement.getAgreementSize()];
        agreement.calculateAgreement(new X25519PublicKeyParameters(recipientPublic, 0), shared, 0);
        return hkdf(shared, ephemeralPublic, recipientPublic);
    }

    /** Both public keys salt the derivation, so the key is bound to this exchange. */
    private static byte[] hkdf(byte[] shared, byte[] ephemeralPublic, byte[] recipientPublic) {
        byte[] salt = new byte[ephemeralPublic.length + recipientPublic.length];
        System.arraycopy(ephemeralPublic, 0, salt, 0, ephemeralPublic.length);
        System.arraycopy(recipientPublic, 0, salt, ephemeralPublic.length, recipientPublic.length);
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(shared, salt, INFO));
        byte[] key = new byte[Aead.KEY_BYTES];
        hkdf.generateBytes(key, 0, key.length);
        Arrays.fill(shared, (byte) 0);
        return key;
    }

    private static byte[] aad(int version) {
        return ("kinko/transport-key/" + version).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] dataKeyAad(String secretId, String versionId) {
        return ("kinko/transit-data-key\0" + secretId + "\0" + versionId).getBytes(StandardCharsets.UTF_8);
    }
}
