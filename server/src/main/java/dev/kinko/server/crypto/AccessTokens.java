package dev.kinko.server.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Bearer tokens: {@code kinko.<accessor>.<secret>}, where the accessor (96 random bits, hex)
 * names the token in the state, lists and the audit log, and the secret is 256 random bits.
 * Only the SHA-256 of the whole token is stored; a presented token is compared with it in
 * constant time. A slow hash is not needed: the secret has 256 bits, not a password's few.
 */
public final class AccessTokens {
    public static final String PREFIX = "kinko.";
    public static final int ACCESSOR_BYTES = 12;
    public static final int SECRET_BYTES = 32;
    private static final Pattern FORMAT = Pattern.compile(
            "kinko\\.([0-9a-f]{" + 2 * ACCESSOR_BYTES + "})\\.[A-Za-z0-9_-]{43}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private AccessTokens() {}

    /** A new token: shown to its owner once; the state keeps accessor and hash. */
    public record Issued(String token, String accessor, byte[] hash) {
        @Override
        public String toString() {
            return "token " + accessor; // never the secret
        }
    }

    public static Issued issue() {
        byte[] accessor = new byte[ACCESSOR_BYTES];
        byte[] secret = new byte[SECRET_BYTES];
        RANDOM.nextBytes(accessor);
        RANDOM.nextBytes(secret);
        String a = HexFormat.of().formatHex(accessor);
        String token = PREFIX + a + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        return new Issued(token, a, hash(token));
    }

    /** The accessor a well-formed token names, or empty for anything else. */
    public static Optional<String> accessorOf(String token) {
        var m = FORMAT.matcher(token);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** One digest per thread: every request hashes the token it presents. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    });

    public static byte[] hash(String token) {
        return SHA256.get().digest(token.getBytes(StandardCharsets.US_ASCII));
    }

    /** Whether {@code token} hashes to {@code stored}, in time independent of where they differ. */
    public static boolean matches(String token, byte[] stored) {
        return MessageDigest.isEqual(hash(token), stored);
    }
}
