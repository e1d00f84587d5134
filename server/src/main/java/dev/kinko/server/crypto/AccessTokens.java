package dev.kinko.server.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
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

    // --- access keys (SigV4) -----------------------------------------------------------------

    /** What an access key id starts with, so people recognise one (AWS's own start with AKIA). */
    public static final String ACCESS_KEY_PREFIX = "KKIA";
    /** An access key id's length, prefix included (AWS's shape: 20 uppercase letters and digits). */
    public static final int ACCESS_KEY_ID_LENGTH = 20;
    /** A secret access key's length: 40 characters of [A-Za-z0-9/+], as AWS's. */
    public static final int SECRET_ACCESS_KEY_LENGTH = 40;
    /** Random bytes behind a secret access key: base64 of 30 bytes is exactly 40 characters, 240 bits. */
    private static final int SECRET_ACCESS_KEY_BYTES = SECRET_ACCESS_KEY_LENGTH * 3 / 4;
    private static final String ACCESS_KEY_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static final Pattern ACCESS_KEY_ID = Pattern.compile(
            ACCESS_KEY_PREFIX + "[A-Z0-9]{" + (ACCESS_KEY_ID_LENGTH - ACCESS_KEY_PREFIX.length()) + "}");

    /**
     * A new access key: its id names it (it is the token's accessor; not a secret, as AWS's are
     * not), its secret (ASCII bytes, for the caller to wipe) is shown to its owner once and kept
     * only sealed by the region key.
     */
    public record IssuedAccessKey(String accessKeyId, byte[] secret) {
        @Override
        public String toString() {
            return "access key " + accessKeyId; // never the secret
        }
    }

    public static IssuedAccessKey issueAccessKey() {
        StringBuilder id = new StringBuilder(ACCESS_KEY_PREFIX);
        while (id.length() < ACCESS_KEY_ID_LENGTH) {
            id.append(ACCESS_KEY_ID_ALPHABET.charAt(RANDOM.nextInt(ACCESS_KEY_ID_ALPHABET.length())));
        }
        byte[] random = new byte[SECRET_ACCESS_KEY_BYTES];
        RANDOM.nextBytes(random);
        try {
            return new IssuedAccessKey(id.toString(), Base64.getEncoder().encode(random));
        } finally {
            java.util.Arrays.fill(random, (byte) 0);
        }
    }

    /** Whether {@code text} has an access key id's shape (KKIA and 16 of A-Z, 0-9). */
    public static boolean isAccessKeyId(String text) {
        return text != null && ACCESS_KEY_ID.matcher(text).matches();
    }

    public static byte[] hash(String token) {
        return Sha256.of(token.getBytes(StandardCharsets.US_ASCII));
    }

    /** Whether {@code token} hashes to {@code stored}, in time independent of where they differ. */
    public static boolean matches(String token, byte[] stored) {
        return MessageDigest.isEqual(hash(token), stored);
    }
}
