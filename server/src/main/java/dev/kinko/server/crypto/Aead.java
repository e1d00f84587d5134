package dev.kinko.server.crypto;

import java.security.SecureRandom;

/**
 * AES-256-GCM: native where Conscrypt has a library for the platform ({@link NativeGcm}), Bouncy
 * Castle's lightweight API otherwise; both read and write the same bytes. Output is nonce
 * (12 bytes) then ciphertext with its 16-byte tag.
 */
public final class Aead {
    public static final int KEY_BYTES = 32;
    public static final int NONCE_BYTES = 12;
    public static final int TAG_BYTES = 16;
    /** Bytes sealing adds to a plaintext: the nonce and the tag. */
    public static final int OVERHEAD_BYTES = NONCE_BYTES + TAG_BYTES;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** After RANDOM: choosing the native implementation seals once to probe it. */
    private static final AesGcm GCM = NativeGcm.ifAvailable().orElseGet(BouncyCastleGcm::new);

    private Aead() {}

    public static byte[] randomKey() {
        byte[] key = new byte[KEY_BYTES];
        RANDOM.nextBytes(key);
        return key;
    }

    public static byte[] seal(byte[] key, byte[] aad, byte[] plaintext) {
        return seal(GCM, key, aad, plaintext);
    }

    /** Throws {@link CryptoException} when the key, the associated data or the bytes do not match. */
    public static byte[] open(byte[] key, byte[] aad, byte[] sealed) {
        return open(GCM, key, aad, sealed);
    }

    /** Which AES-GCM this JVM seals with, for the node's start log. */
    public static String implementation() {
        return GCM.name();
    }

    static byte[] seal(AesGcm gcm, byte[] key, byte[] aad, byte[] plaintext) {
        checkKey(key);
        byte[] out = new byte[NONCE_BYTES + plaintext.length + TAG_BYTES];
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
        gcm.seal(key, nonce, aad, plaintext, out);
        return out;
    }

    static byte[] open(AesGcm gcm, byte[] key, byte[] aad, byte[] sealed) {
        checkKey(key);
        if (sealed.length < OVERHEAD_BYTES) {
            throw new CryptoException("sealed data is too short");
        }
        return gcm.open(key, aad, sealed);
    }

    static CryptoException authenticationFailed() {
        return new CryptoException("authentication failed: wrong key or tampered data");
    }

    private static void checkKey(byte[] key) {
        if (key.length != KEY_BYTES) {
            throw new CryptoException("an AES-256 key must be " + KEY_BYTES + " bytes");
        }
    }
}
