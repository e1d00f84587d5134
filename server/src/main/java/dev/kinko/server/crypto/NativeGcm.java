package dev.kinko.server.crypto;

import java.security.GeneralSecurityException;
import java.security.Provider;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-GCM in native code ({@link NativeCrypto}): under the launcher's C1 compiler a 600-byte value
 * took about ten times as long in Bouncy Castle (ops/bench/README.md, step 13).
 */
final class NativeGcm implements AesGcm {
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";

    private final Provider provider;
    /** A Cipher is not thread-safe, and getting one costs more than sealing a key: one per thread, re-initialised per use. */
    private final ThreadLocal<Cipher> ciphers;

    private NativeGcm(Provider provider) {
        this.provider = provider;
        this.ciphers = ThreadLocal.withInitial(this::newCipher);
    }

    /** The native implementation, or empty where Conscrypt has no library for this platform. */
    static Optional<AesGcm> ifAvailable() {
        return NativeCrypto.PROVIDER.map(NativeGcm::new);
    }

    @Override
    public void seal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext, byte[] out) {
        Cipher c = ciphers.get();
        try {
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(Aead.TAG_BYTES * 8, nonce));
            c.updateAAD(aad);
            c.doFinal(plaintext, 0, plaintext.length, out, Aead.NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    @Override
    public byte[] open(byte[] key, byte[] aad, byte[] sealed) {
        Cipher c = ciphers.get();
        try {
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"),
                    new GCMParameterSpec(Aead.TAG_BYTES * 8, sealed, 0, Aead.NONCE_BYTES));
            c.updateAAD(aad);
            return c.doFinal(sealed, Aead.NONCE_BYTES, sealed.length - Aead.NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw Aead.authenticationFailed();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed", e);
        }
    }

    @Override
    public String name() {
        return "BoringSSL through Conscrypt (native)";
    }

    private Cipher newCipher() {
        try {
            return Cipher.getInstance(TRANSFORMATION, provider);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Conscrypt offers no " + TRANSFORMATION, e);
        }
    }
}
