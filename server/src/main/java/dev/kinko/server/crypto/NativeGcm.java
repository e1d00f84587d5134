package dev.kinko.server.crypto;

import java.security.GeneralSecurityException;
import java.security.Provider;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.conscrypt.Conscrypt;

/**
 * AES-GCM in native code: BoringSSL through Conscrypt, with AES-NI and carry-less multiply where
 * the CPU has them. Under the launcher's C1 compiler, Java's AES runs without the JIT's AES
 * intrinsics (those are C2's), so a 600-byte value took about ten times as long in Bouncy
 * Castle (ops/bench/README.md, step 13). The provider is used by reference, not registered, so
 * nothing else in the JVM picks it up.
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
        try {
            return Conscrypt.isAvailable() ? Optional.of(new NativeGcm(Conscrypt.newProvider())) : Optional.empty();
        } catch (LinkageError | RuntimeException e) {
            return Optional.empty();
        }
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
