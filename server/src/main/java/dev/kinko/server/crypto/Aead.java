package dev.kinko.server.crypto;

import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.modes.gcm.BasicGCMMultiplier;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * AES-256-GCM through Bouncy Castle's lightweight API (no JCE provider, so a
 * shaded jar needs no signature). Output is nonce (12 bytes) then ciphertext
 * with its 16-byte tag.
 */
public final class Aead {
    public static final int KEY_BYTES = 32;
    public static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    public static final int TAG_BYTES = TAG_BITS / 8;
    /** Bytes sealing adds to a plaintext: the nonce and the tag. */
    public static final int OVERHEAD_BYTES = NONCE_BYTES + TAG_BYTES;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Aead() {}

    public static byte[] randomKey() {
        byte[] key = new byte[KEY_BYTES];
        RANDOM.nextBytes(key);
        return key;
    }

    public static byte[] seal(byte[] key, byte[] aad, byte[] plaintext) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        GCMModeCipher gcm = cipher(true, key, nonce, aad);
        byte[] out = new byte[NONCE_BYTES + gcm.getOutputSize(plaintext.length)];
        System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
        int n = gcm.processBytes(plaintext, 0, plaintext.length, out, NONCE_BYTES);
        try {
            gcm.doFinal(out, NONCE_BYTES + n);
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
        return out;
    }

    /** Throws {@link CryptoException} when the key, the associated data or the bytes do not match. */
    public static byte[] open(byte[] key, byte[] aad, byte[] sealed) {
        if (sealed.length < OVERHEAD_BYTES) {
            throw new CryptoException("sealed data is too short");
        }
        byte[] nonce = Arrays.copyOf(sealed, NONCE_BYTES);
        GCMModeCipher gcm = cipher(false, key, nonce, aad);
        byte[] out = new byte[gcm.getOutputSize(sealed.length - NONCE_BYTES)];
        int n = gcm.processBytes(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES, out, 0);
        try {
            gcm.doFinal(out, n);
        } catch (InvalidCipherTextException e) {
            Arrays.fill(out, (byte) 0);
            throw new CryptoException("authentication failed: wrong key or tampered data");
        }
        return out;
    }

    private static GCMModeCipher cipher(boolean encrypt, byte[] key, byte[] nonce, byte[] aad) {
        if (key.length != KEY_BYTES) {
            throw new CryptoException("an AES-256 key must be " + KEY_BYTES + " bytes");
        }
        // Every key here seals once or a few times (a fresh data key per version), so the table
        // multipliers' per-key tables cost more than they save; the basic one builds none, and
        // makes no key-dependent table lookups.
        GCMModeCipher gcm = GCMBlockCipher.newInstance(AESEngine.newInstance(), new BasicGCMMultiplier());
        gcm.init(encrypt, new AEADParameters(new KeyParameter(key), TAG_BITS, nonce, aad));
        return gcm;
    }
}
