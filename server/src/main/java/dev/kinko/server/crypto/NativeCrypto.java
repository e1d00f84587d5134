package dev.kinko.server.crypto;

import java.security.Provider;
import java.util.Optional;
import org.conscrypt.Conscrypt;

/**
 * Conscrypt's provider (BoringSSL), where its native library loads on this platform. It is used
 * by reference, never registered, so nothing else in the JVM picks it up. Under the launcher's C1
 * compiler Java's AES and SHA-256 run without the JIT's intrinsics (those are C2's), and the
 * native code uses the CPU's AES, carry-less multiply and SHA instructions instead.
 */
final class NativeCrypto {
    /** Loaded once per JVM; empty where Conscrypt has no library for the platform. */
    static final Optional<Provider> PROVIDER = load();

    private NativeCrypto() {}

    private static Optional<Provider> load() {
        try {
            return Conscrypt.isAvailable() ? Optional.of(Conscrypt.newProvider()) : Optional.empty();
        } catch (LinkageError | RuntimeException e) {
            return Optional.empty();
        }
    }
}
