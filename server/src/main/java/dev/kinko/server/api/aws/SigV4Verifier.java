package dev.kinko.server.api.aws;

import dev.kinko.server.api.aws.SigV4Exception.Type;
import dev.kinko.server.crypto.Sha256;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies an AWS Signature Version 4 ({@code Authorization: AWS4-HMAC-SHA256 ...}) on a request
 * to the Secrets Manager endpoint of this region, as AWS does: the canonical request (from the
 * request as received, the body hashed here), the string to sign, the key derived from the
 * secret access key, and a constant-time compare of the signatures. Besides, the request must
 * be signed for this region and for {@value #SERVICE}, within {@link #MAX_CLOCK_SKEW} of now, with
 * the credential scope's date that of {@code X-Amz-Date}, and with {@code host} and
 * {@code x-amz-target} among the signed headers, so a signature for one operation (or one
 * endpoint) cannot run another. Only the Authorization header form: no presigned query, no
 * session token, no unsigned or chunked payload.
 *
 * <p>Everything that needs no key is checked before the key is looked up, so garbage never costs
 * a lookup. Pure: no server library types, no clock of its own.
 */
public final class SigV4Verifier {
    public static final String ALGORITHM = "AWS4-HMAC-SHA256";
    /** The signing service name. */
    public static final String SERVICE = "secretsmanager";
    public static final String TERMINATOR = "aws4_request";
    /** How far X-Amz-Date may be from now, either way (AWS's 15 minutes). */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(15);
    /** The longest Authorization header read (AWS's own are about 250 characters plus the signed header names). */
    public static final int MAX_AUTHORIZATION_LENGTH = 4096;
    /** Signed headers at most. */
    public static final int MAX_SIGNED_HEADERS = 64;
    /** The canonical headers' total size at most (names and values of the signed headers). */
    public static final int MAX_CANONICAL_HEADERS_BYTES = 32 * 1024;
    /** The longest path and query read. */
    public static final int MAX_PATH_LENGTH = 2048;
    public static final int MAX_QUERY_LENGTH = 4096;
    /** Query parameters at most. */
    public static final int MAX_QUERY_PARAMETERS = 100;
    /** An access key id's length at most (AWS: 16 to 128). */
    public static final int MAX_ACCESS_KEY_ID_LENGTH = 128;

    /** Headers that must be signed: the endpoint and the operation. */
    static final List<String> MUST_SIGN = List.of("host", "x-amz-target");

    private static final String SIGNATURE_MISMATCH = "The request signature we calculated does not match the signature"
            + " you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation"
            + " for details.";
    private static final String UNRECOGNIZED = "The security token included in the request is invalid.";
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'")
            .withResolverStyle(ResolverStyle.STRICT);
    private static final Pattern SCOPE_DATE = Pattern.compile("\\d{8}");
    private static final Pattern ACCESS_KEY_ID = Pattern.compile("[A-Za-z0-9]{1," + MAX_ACCESS_KEY_ID_LENGTH + "}");
    /** An HTTP header name (RFC 9110 token), lower case as SigV4 signs it. */
    private static final Pattern HEADER_NAME = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]+");
    private static final Pattern SIGNATURE = Pattern.compile("[0-9a-f]{64}");
    private static final HexFormat HEX = HexFormat.of();

    private final String region;

    /** A verifier for requests signed for region {@code region} (the Kinko region's name). */
    public SigV4Verifier(String region) {
        this.region = region;
    }

    /** The parts of the Authorization header. */
    private record Authorization(String accessKeyId, String date, String region, String service, String terminator,
                                 List<String> signedHeaders, String signedHeadersText, String signature) {
        String scope() {
            return date + "/" + region + "/" + service + "/" + terminator;
        }
    }

    /**
     * Verifies {@code request} at {@code now} and returns the key that signed it. {@code lookup}
     * finds the key an access key id names (empty: unknown, revoked or expired alike), and
     * {@code secretOf} gives its secret access key's ASCII bytes. The key is returned only on
     * success; when the signature does not match and the key is {@link AutoCloseable}, it is
     * closed here (so a key that wipes its secret on close leaves nothing behind either way).
     *
     * @throws SigV4Exception refused, with AWS's error type and status
     */
    public <K> K verify(SigV4Request request, Instant now, Function<String, Optional<K>> lookup,
                        Function<K, byte[]> secretOf) {
        Authorization auth = parseAuthorization(request);
        String amzDate = single(request, "x-amz-date", "Authorization header requires existence of either a"
                + " 'X-Amz-Date' or a 'Date' header.");
        Instant signedAt;
        try {
            signedAt = LocalDateTime.parse(amzDate, AMZ_DATE).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw incomplete("X-Amz-Date must be in ISO-8601 basic format (yyyyMMdd'T'HHmmss'Z'). Got '"
                    + printable(amzDate) + "'.");
        }
        checkScope(auth, amzDate);
        checkSkew(signedAt, now);
        if (!request.header("x-amz-security-token").isEmpty()) {
            throw new SigV4Exception(Type.UNRECOGNIZED_CLIENT, UNRECOGNIZED); // Kinko issues no session tokens
        }
        String payloadHash = HEX.formatHex(Sha256.of(request.body()));
        List<String> claimed = request.header("x-amz-content-sha256");
        if (!claimed.isEmpty() && (claimed.size() > 1 || !claimed.get(0).strip().equals(payloadHash))) {
            throw invalid("The provided 'x-amz-content-sha256' header does not match what was computed.");
        }
        String canonicalRequest = request.method() + "\n" + canonicalUri(request.path()) + "\n"
                + canonicalQuery(request.rawQuery()) + "\n" + canonicalHeaders(request, auth.signedHeaders()) + "\n"
                + auth.signedHeadersText() + "\n" + payloadHash;
        String stringToSign = ALGORITHM + "\n" + amzDate + "\n" + auth.scope() + "\n"
                + HEX.formatHex(Sha256.of(canonicalRequest.getBytes(StandardCharsets.UTF_8)));

        K key = lookup.apply(auth.accessKeyId()).orElseThrow(() -> new SigV4Exception(Type.UNRECOGNIZED_CLIENT,
                UNRECOGNIZED));
        boolean good = false;
        try {
            byte[] expected = signature(secretOf.apply(key), auth, stringToSign);
            good = MessageDigest.isEqual(expected, auth.signature().getBytes(StandardCharsets.US_ASCII));
        } finally {
            if (!good && key instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception ignored) {
                    // wiping a refused key's secret: nothing to add to the refusal
                }
            }
        }
        if (!good) {
            throw invalid(SIGNATURE_MISMATCH);
        }
        return key;
    }

    private Authorization parseAuthorization(SigV4Request request) {
        List<String> headers = request.header("authorization");
        if (headers.isEmpty()) {
            boolean presigned = request.rawQuery().contains("X-Amz-Signature=")
                    || request.rawQuery().contains("X-Amz-Credential=");
            throw incomplete(presigned ? "Query-string (presigned) authentication is not supported: sign the"
                    + " Authorization header." : "Request is missing Authentication Token");
        }
        if (headers.size() > 1) {
            throw incomplete("Only one Authorization header is allowed.");
        }
        String header = headers.get(0).strip();
        if (header.length() > MAX_AUTHORIZATION_LENGTH) {
            throw incomplete("The Authorization header is longer than " + MAX_AUTHORIZATION_LENGTH + " characters.");
        }
        if (!header.startsWith(ALGORITHM + " ")) {
            throw incomplete("Unsupported Authorization algorithm: only " + ALGORITHM + " is accepted.");
        }
        Map<String, String> parts = new LinkedHashMap<>();
        for (String part : header.substring(ALGORITHM.length()).split(",", -1)) {
            String p = part.strip();
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw incomplete("Authorization header requires each component as Name=Value, separated by commas;"
                        + " got '" + printable(p) + "'.");
            }
            if (parts.put(p.substring(0, eq), p.substring(eq + 1)) != null) {
                throw incomplete("Authorization header has '" + printable(p.substring(0, eq)) + "' twice.");
            }
        }
        StringBuilder missing = new StringBuilder();
        for (String name : List.of("Credential", "Signature", "SignedHeaders")) {
            if (!parts.containsKey(name)) {
                missing.append("Authorization header requires '").append(name).append("' parameter. ");
            }
        }
        if (missing.length() > 0) {
            throw incomplete(missing.append("Authorization=").append(printable(header)).toString().strip());
        }
        if (parts.size() != 3) {
            throw incomplete("Authorization header has components other than Credential, SignedHeaders and Signature.");
        }
        String[] credential = parts.get("Credential").split("/", -1);
        if (credential.length != 5 || !ACCESS_KEY_ID.matcher(credential[0]).matches()
                || !SCOPE_DATE.matcher(credential[1]).matches() || credential[2].isEmpty() || credential[3].isEmpty()) {
            throw incomplete("Credential should be <access key id>/<yyyyMMdd>/<region>/<service>/aws4_request; got '"
                    + printable(parts.get("Credential")) + "'.");
        }
        String signedHeadersText = parts.get("SignedHeaders");
        String[] names = signedHeadersText.split(";", -1);
        if (names.length > MAX_SIGNED_HEADERS) {
            throw incomplete("At most " + MAX_SIGNED_HEADERS + " signed headers are accepted.");
        }
        Set<String> seen = new HashSet<>();
        for (String name : names) {
            if (!HEADER_NAME.matcher(name).matches() || !seen.add(name)) {
                throw incomplete("SignedHeaders must be distinct lower-case header names separated by ';'; got '"
                        + printable(signedHeadersText) + "'.");
            }
        }
        String signature = parts.get("Signature");
        if (!SIGNATURE.matcher(signature).matches()) {
            throw incomplete("Signature must be 64 lower-case hexadecimal digits.");
        }
        return new Authorization(credential[0], credential[1], credential[2], credential[3], credential[4],
                List.of(names), signedHeadersText, signature);
    }

    private void checkScope(Authorization auth, String amzDate) {
        String day = amzDate.substring(0, 8);
        if (!auth.date().equals(day)) {
            throw invalid("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '"
                    + auth.date() + "' != '" + day + "', from 'X-Amz-Date'.");
        }
        if (!auth.region().equals(region)) {
            throw invalid("Credential should be scoped to a valid region, not '" + printable(auth.region())
                    + "'. This endpoint's region is '" + region + "'.");
        }
        if (!auth.service().equals(SERVICE)) {
            throw invalid("Credential should be scoped to correct service: '" + SERVICE + "'.");
        }
        if (!auth.terminator().equals(TERMINATOR)) {
            throw invalid("Credential should be scoped with a valid terminator: '" + TERMINATOR + "', not '"
                    + printable(auth.terminator()) + "'.");
        }
        if (!auth.signedHeaders().contains("host")) {
            throw invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
        }
        if (!auth.signedHeaders().contains("x-amz-target")) {
            throw invalid("'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.");
        }
    }

    private static void checkSkew(Instant signedAt, Instant now) {
        String at = AMZ_DATE.format(LocalDateTime.ofInstant(signedAt, ZoneOffset.UTC));
        String nowText = AMZ_DATE.format(LocalDateTime.ofInstant(now, ZoneOffset.UTC));
        long minutes = MAX_CLOCK_SKEW.toMinutes();
        if (signedAt.isBefore(now.minus(MAX_CLOCK_SKEW))) {
            throw invalid("Signature expired: " + at + " is now earlier than "
                    + AMZ_DATE.format(LocalDateTime.ofInstant(now.minus(MAX_CLOCK_SKEW), ZoneOffset.UTC))
                    + " (" + nowText + " - " + minutes + " min.)");
        }
        if (signedAt.isAfter(now.plus(MAX_CLOCK_SKEW))) {
            throw invalid("Signature not yet current: " + at + " is still later than "
                    + AMZ_DATE.format(LocalDateTime.ofInstant(now.plus(MAX_CLOCK_SKEW), ZoneOffset.UTC))
                    + " (" + nowText + " + " + minutes + " min.)");
        }
    }

    /**
     * The path with dot segments removed, each byte outside the unreserved set percent-encoded
     * again, '/' kept: the path as received is already encoded once, so this is AWS's double
     * encoding for every service but S3.
     */
    static String canonicalUri(String rawPath) {
        if (rawPath.length() > MAX_PATH_LENGTH) {
            throw incomplete("The request path is longer than " + MAX_PATH_LENGTH + " characters.");
        }
        if (!rawPath.startsWith("/")) {
            throw incomplete("The request path must start with '/'.");
        }
        return uriEncode(removeDotSegments(rawPath), false);
    }

    /** RFC 3986, 5.2.4, on a path that starts with '/'. */
    static String removeDotSegments(String path) {
        List<String> out = new ArrayList<>();
        String[] segments = path.substring(1).split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i];
            boolean last = i == segments.length - 1;
            if (s.equals(".") || s.equals("..")) {
                if (s.equals("..") && !out.isEmpty()) {
                    out.remove(out.size() - 1);
                }
                if (last) {
                    out.add(""); // "/a/." is "/a/"
                }
            } else {
                out.add(s);
            }
        }
        return "/" + String.join("/", out);
    }

    /** Parameters decoded and encoded again by AWS's rule, sorted by name, then value. */
    static String canonicalQuery(String rawQuery) {
        if (rawQuery.isEmpty()) {
            return "";
        }
        if (rawQuery.length() > MAX_QUERY_LENGTH) {
            throw incomplete("The query is longer than " + MAX_QUERY_LENGTH + " characters.");
        }
        List<String[]> params = new ArrayList<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            if (params.size() == MAX_QUERY_PARAMETERS) {
                throw incomplete("At most " + MAX_QUERY_PARAMETERS + " query parameters are accepted.");
            }
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            params.add(new String[] {uriEncode(percentDecode(name), true), uriEncode(percentDecode(value), true)});
        }
        params.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
        StringBuilder b = new StringBuilder();
        for (String[] p : params) {
            b.append(b.length() == 0 ? "" : "&").append(p[0]).append('=').append(p[1]);
        }
        return b.toString();
    }

    /** Each signed header as {@code name:values\n}: values trimmed, inner runs of blanks one space, joined by ','. */
    private static String canonicalHeaders(SigV4Request request, List<String> signed) {
        StringBuilder b = new StringBuilder();
        for (String name : signed) {
            List<String> values = request.header(name);
            if (values.isEmpty()) {
                throw invalid("The signed header '" + name + "' is not in the request.");
            }
            b.append(name).append(':');
            for (int i = 0; i < values.size(); i++) {
                b.append(i == 0 ? "" : ",").append(compact(values.get(i)));
            }
            b.append('\n');
            if (b.length() > MAX_CANONICAL_HEADERS_BYTES) {
                throw incomplete("The signed headers are longer than " + MAX_CANONICAL_HEADERS_BYTES + " characters.");
            }
        }
        return b.toString();
    }

    static String compact(String value) {
        StringBuilder b = new StringBuilder(value.length());
        boolean blank = false;
        for (char c : value.strip().toCharArray()) {
            if (c == ' ' || c == '\t') {
                blank = true;
                continue;
            }
            if (blank) {
                b.append(' ');
                blank = false;
            }
            b.append(c);
        }
        return b.toString();
    }

    /** AWS's URI encoding: unreserved characters as they are, every other UTF-8 byte as %XX (upper case). */
    static String uriEncode(String text, boolean encodeSlash) {
        StringBuilder b = new StringBuilder(text.length());
        for (byte octet : text.getBytes(StandardCharsets.UTF_8)) {
            int c = octet & 0xff;
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
                    || c == '~' || c == '/' && !encodeSlash) {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return b.toString();
    }

    /** %XX decoding only ('+' stays '+': SigV4 clients encode a space as %20). */
    static String percentDecode(String text) {
        if (text.indexOf('%') < 0) {
            return text;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%') {
                int hi = i + 2 < text.length() ? Character.digit(text.charAt(i + 1), 16) : -1;
                int lo = hi < 0 ? -1 : Character.digit(text.charAt(i + 2), 16);
                if (lo < 0) {
                    throw incomplete("The query has a malformed percent-encoding.");
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else {
                byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The expected signature, as lower-case hex ASCII bytes; every derived key is wiped. */
    private static byte[] signature(byte[] secret, Authorization auth, String stringToSign) {
        byte[] kSecret = new byte[4 + secret.length];
        System.arraycopy("AWS4".getBytes(StandardCharsets.US_ASCII), 0, kSecret, 0, 4);
        System.arraycopy(secret, 0, kSecret, 4, secret.length);
        byte[] kDate = null;
        byte[] kRegion = null;
        byte[] kService = null;
        byte[] kSigning = null;
        try {
            kDate = hmac(kSecret, auth.date());
            kRegion = hmac(kDate, auth.region());
            kService = hmac(kRegion, auth.service());
            kSigning = hmac(kService, TERMINATOR);
            return HEX.formatHex(hmac(kSigning, stringToSign)).getBytes(StandardCharsets.US_ASCII);
        } finally {
            for (byte[] k : Arrays.asList(kSecret, kDate, kRegion, kService, kSigning)) {
                if (k != null) {
                    Arrays.fill(k, (byte) 0);
                }
            }
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    private static String single(SigV4Request request, String name, String whenMissing) {
        List<String> values = request.header(name);
        if (values.isEmpty()) {
            throw incomplete(whenMissing);
        }
        if (values.size() > 1) {
            throw incomplete("Only one " + name + " header is allowed.");
        }
        return values.get(0).strip();
    }

    /** At most 128 printable ASCII characters of what the client sent, for a message. */
    private static String printable(String text) {
        String cut = text.length() > 128 ? text.substring(0, 128) + "..." : text;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private static SigV4Exception incomplete(String message) {
        return new SigV4Exception(Type.INCOMPLETE_SIGNATURE, message);
    }

    private static SigV4Exception invalid(String message) {
        return new SigV4Exception(Type.INVALID_SIGNATURE, message);
    }
}
