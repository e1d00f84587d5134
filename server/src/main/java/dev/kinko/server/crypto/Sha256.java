package dev.kinko.server.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256, native where {@link NativeCrypto} loaded (a token per request, an audit line per call), the JDK's otherwise. */
public final class Sha256 {
    /** One digest per thread: looking the algorithm up for every call showed in the node's profile. */
    private static final ThreadLocal<MessageDigest> DIGESTS = ThreadLocal.withInitial(Sha256::newDigest);

    private Sha256() {}

    public static byte[] of(byte[] bytes) {
        return of(bytes, 0, bytes.length);
    }

    public static byte[] of(byte[] bytes, int offset, int length) {
        MessageDigest md = DIGESTS.get();
        md.reset();
        md.update(bytes, offset, length);
        return md.digest();
    }

    static MessageDigest newDigest() {
        try {
            return NativeCrypto.PROVIDER.isPresent()
                    ? MessageDigest.getInstance("SHA-256", NativeCrypto.PROVIDER.get())
                    : MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
