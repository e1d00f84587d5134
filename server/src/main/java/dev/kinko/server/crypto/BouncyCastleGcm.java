package dev.kinko.server.crypto;

import java.util.Arrays;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.modes.gcm.BasicGCMMultiplier;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * AES-GCM in Java through Bouncy Castle's lightweight API: the implementation on every platform,
 * used where {@link NativeGcm} has no native library.
 */
final class BouncyCastleGcm implements AesGcm {
    @Override
    public void seal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext, byte[] out) {
        GCMModeCipher gcm = cipher(true, key, nonce, aad);
        int n = gcm.processBytes(plaintext, 0, plaintext.length, out, Aead.NONCE_BYTES);
        try {
            gcm.doFinal(out, Aead.NONCE_BYTES + n);
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    @Override
    public byte[] open(byte[] key, byte[] aad, byte[] sealed) {
        GCMModeCipher gcm = cipher(false, key, Arrays.copyOf(sealed, Aead.NONCE_BYTES), aad);
        byte[] out = new byte[gcm.getOutputSize(sealed.length - Aead.NONCE_BYTES)];
        int n = gcm.processBytes(sealed, Aead.NONCE_BYTES, sealed.length - Aead.NONCE_BYTES, out, 0);
        try {
            gcm.doFinal(out, n);
        } catch (InvalidCipherTextException e) {
            Arrays.fill(out, (byte) 0);
            throw Aead.authenticationFailed();
        }
        return out;
    }

    @Override
    public String name() {
        return "Bouncy Castle (Java)";
    }

    private static GCMModeCipher cipher(boolean encrypt, byte[] key, byte[] nonce, byte[] aad) {
        // Every key here seals once or a few times (a fresh data key per version), so the table
        // multipliers' per-key tables cost more than they save; the basic one builds none, and
        // makes no key-dependent table lookups.
        GCMModeCipher gcm = GCMBlockCipher.newInstance(AESEngine.newInstance(), new BasicGCMMultiplier());
        gcm.init(encrypt, new AEADParameters(new KeyParameter(key), Aead.TAG_BYTES * 8, nonce, aad));
        return gcm;
    }
}
