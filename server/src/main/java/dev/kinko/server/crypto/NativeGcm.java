package dev.kinko.server.crypto;

import java.security.GeneralSecurityException;
import java.security.Provider;
import java.util.Arrays;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-GCM in native code ({@link NativeCrypto}): under the launcher's C1 compiler a 600-byte value
 * took about ten times as long in Bouncy Castle (ops/bench/README.md, step 13). A cipher per call,
 * not one kept per thread: a kept cipher holds the last key it used, reachable, until its thread
 * seals again, where the key arrays Kinko zeroes after use would otherwise leave no copy behind.
 */
final class NativeGcm implements AesGcm {
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";

    private final Provider provider;

    private NativeGcm(Provider provider) {
        this.provider = provider;
    }

    /** The native implementation, or empty where Conscrypt has no library for this platform. */
    static Optional<AesGcm> ifAvailable() {
        return NativeCrypto.PROVIDER.flatMap(NativeGcm::ifWorking);
    }

    /**
     * The provider's AES-GCM if a seal and an open round-trip through it. Loading is not enough:
     * a JDK that accepts only signed JCE providers (Oracle's) refuses Conscrypt once it is shaded
     * into Kinko's jar, at the first {@code Cipher.getInstance}, and then Bouncy Castle must do.
     */
    static Optional<AesGcm> ifWorking(Provider provider) {
        try {
            NativeGcm gcm = new NativeGcm(provider);
            byte[] key = new byte[Aead.KEY_BYTES];
            byte[] probe = {1, 2, 3};
            byte[] opened = Aead.open(gcm, key, probe, Aead.seal(gcm, key, probe, probe));
            return Arrays.equals(opened, probe) ? Optional.of(gcm) : Optional.empty();
        } catch (RuntimeException | LinkageError e) {
            return Optional.empty();
        }
    }

    @Override
    public void seal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext, byte[] out) {
        try {
            Cipher c = Cipher.getInstance(TRANSFORMATION, provider);
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(Aead.TAG_BYTES * 8, nonce));
            c.updateAAD(aad);
            c.doFinal(plaintext, 0, plaintext.length, out, Aead.NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    @Override
    public byte[] open(byte[] key, byte[] aad, byte[] sealed) {
        try {
            Cipher c = Cipher.getInstance(TRANSFORMATION, provider);
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
}
