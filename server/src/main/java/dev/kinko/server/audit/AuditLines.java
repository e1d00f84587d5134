package dev.kinko.server.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The audit line format. A line is one compact JSON object with the members {@link #FIELDS} in
 * that order, then '\n'. Its {@code hash} is the lowercase hex SHA-256 of the line's UTF-8 bytes
 * with the {@code ,"hash":"<64 hex>"} member removed, i.e. of the compact JSON object of the other
 * 13 members; the hash member is always last, so a verifier needs no JSON re-serialization and
 * any changed byte shows.
 */
final class AuditLines {
    static final List<String> FIELDS = List.of("seq", "time", "node", "principal", "accessor", "source", "action",
            "resource", "version", "outcome", "reason", "request_id", "prev", "hash");
    /** The {@code prev} of the first line of a node's chain. */
    static final String GENESIS = "0".repeat(64);
    private static final String HASH_MEMBER = ",\"hash\":\"";
    /** {@code ,"hash":"} + 64 hex digits + {@code "}}: the fixed-length end of every line. */
    private static final int HASH_TAIL_BYTES = HASH_MEMBER.length() + 64 + 2;
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper READER = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** A formatted line (with its '\n') and its hash. */
    record Line(byte[] bytes, String hash) {}

    /** What the verifier needs of a line; {@code hashMatches} says whether its bytes still give its hash. */
    record Parsed(long seq, String prev, String hash, boolean hashMatches) {}

    private AuditLines() {}

    static Line format(long seq, String node, AuditEvent e, String prev) {
        StringWriter body = new StringWriter();
        // a String writer, not a UTF-8 stream: Jackson's byte generator throws on a lone surrogate, which
        // a caller-supplied name could hold; getBytes turns it into '?' and the hash covers what is written
        try (JsonGenerator g = JSON.createGenerator(body)) {
            g.writeStartObject();
            g.writeNumberField("seq", seq);
            g.writeStringField("time", InstantText.of(e.time()));
            g.writeStringField("node", node);
            g.writeStringField("principal", e.principal());
            g.writeStringField("accessor", e.accessor());
            g.writeStringField("source", e.source());
            g.writeStringField("action", e.action());
            g.writeStringField("resource", e.resource());
            g.writeStringField("version", e.version());
            g.writeStringField("outcome", e.outcome());
            g.writeStringField("reason", e.reason());
            g.writeStringField("request_id", e.requestId());
            g.writeStringField("prev", prev);
            g.writeEndObject();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex); // a StringWriter does not fail
        }
        byte[] hashed = body.toString().getBytes(StandardCharsets.UTF_8);
        String hash = sha256(hashed);
        String tail = HASH_MEMBER + hash + "\"}\n";
        byte[] line = Arrays.copyOf(hashed, hashed.length - 1 + tail.length());
        System.arraycopy(tail.getBytes(StandardCharsets.US_ASCII), 0, line, hashed.length - 1, tail.length());
        return new Line(line, hash);
    }

    /** Parses one line (without its '\n'); throws IllegalArgumentException saying what is wrong. */
    static Parsed parse(byte[] line) {
        if (line.length <= HASH_TAIL_BYTES
                || !new String(line, line.length - HASH_TAIL_BYTES, HASH_MEMBER.length(), StandardCharsets.US_ASCII)
                        .equals(HASH_MEMBER)) {
            throw new IllegalArgumentException("it does not end with the hash member");
        }
        JsonNode json;
        try {
            json = READER.readTree(line);
        } catch (IOException e) {
            throw new IllegalArgumentException("not valid JSON");
        }
        if (json == null || !json.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        if (!names.equals(FIELDS)) {
            throw new IllegalArgumentException("its members are not " + String.join(",", FIELDS));
        }
        for (String f : FIELDS) {
            if (!f.equals("seq") && !json.get(f).isTextual()) {
                throw new IllegalArgumentException(f + " is not a string");
            }
        }
        JsonNode seq = json.get("seq");
        if (!seq.isIntegralNumber() || !seq.canConvertToLong() || seq.asLong() < 1) {
            throw new IllegalArgumentException("seq is not a positive integer");
        }
        try {
            Instant.parse(json.get("time").asText());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("time is not an ISO-8601 instant");
        }
        String prev = json.get("prev").asText();
        String hash = json.get("hash").asText();
        if (!HEX64.matcher(prev).matches() || !HEX64.matcher(hash).matches()) {
            throw new IllegalArgumentException("prev or hash is not 64 lowercase hex digits");
        }
        byte[] hashed = Arrays.copyOf(line, line.length - HASH_TAIL_BYTES + 1);
        hashed[hashed.length - 1] = '}';
        return new Parsed(seq.asLong(), prev, hash, sha256(hashed).equals(hash));
    }

    /** One digest per thread: looking the algorithm up for every line showed in the node's profile. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    });

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(SHA256.get().digest(bytes));
    }
}
