package dev.kinko.server.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kinko.server.crypto.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
    private static final byte[] SEQ_MEMBER = "{\"seq\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PREV_MEMBER = ",\"prev\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final String HASH_MEMBER = ",\"hash\":\"";
    /** {@code ,"hash":"} + 64 hex digits + {@code "}}: the fixed-length end of every line. */
    private static final int HASH_TAIL_BYTES = HASH_MEMBER.length() + 64 + 2;
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    /** UTF-8 out, a character beyond the BMP as its four bytes (as the text's UTF-8 is), not as two escapes. */
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();
    private static final ObjectMapper READER = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** A formatted line (with its '\n') and its hash. */
    record Line(byte[] bytes, String hash) {}

    /** What the verifier needs of a line; {@code hashMatches} says whether its bytes still give its hash. */
    record Parsed(long seq, String prev, String hash, boolean hashMatches) {}

    private AuditLines() {}

    static Line format(long seq, String node, AuditEvent e, String prev) {
        return format(seq, body(node, e), prev);
    }

    /**
     * The members between {@code seq} and {@code prev} as UTF-8 JSON (without braces): everything
     * of a line that does not depend on the chain, so the log renders it outside its lock.
     */
    static byte[] body(String node, AuditEvent e) {
        ByteArrayBuilder out = new ByteArrayBuilder(320);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("time", InstantText.of(e.time()));
            g.writeStringField("node", wellFormed(node));
            g.writeStringField("principal", wellFormed(e.principal()));
            g.writeStringField("accessor", wellFormed(e.accessor()));
            g.writeStringField("source", wellFormed(e.source()));
            g.writeStringField("action", wellFormed(e.action()));
            g.writeStringField("resource", wellFormed(e.resource()));
            g.writeStringField("version", wellFormed(e.version()));
            g.writeStringField("outcome", wellFormed(e.outcome()));
            g.writeStringField("reason", wellFormed(e.reason()));
            g.writeStringField("request_id", wellFormed(e.requestId()));
            g.writeEndObject();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex); // a byte array does not fail
        }
        byte[] object = out.toByteArray();
        return Arrays.copyOfRange(object, 1, object.length - 1);
    }

    /**
     * The line {@code {"seq":<seq>,<body>,"prev":"<prev>"}} with its hash member appended, built in
     * one array: the hashed object is written, digested, then its closing brace is overwritten by
     * the hash member.
     */
    static Line format(long seq, byte[] body, String prev) {
        byte[] seqText = Long.toString(seq).getBytes(StandardCharsets.US_ASCII);
        int hashedLength = SEQ_MEMBER.length + seqText.length + 1 + body.length + PREV_MEMBER.length + prev.length() + 2;
        byte[] line = new byte[hashedLength - 1 + HASH_TAIL_BYTES + 1];
        int at = put(line, 0, SEQ_MEMBER);
        at = put(line, at, seqText);
        line[at++] = ',';
        at = put(line, at, body);
        at = put(line, at, PREV_MEMBER);
        at = put(line, at, prev.getBytes(StandardCharsets.US_ASCII));
        line[at++] = '"';
        line[at] = '}';
        String hash = HexFormat.of().formatHex(Sha256.of(line, 0, hashedLength));
        at = put(line, at, (HASH_MEMBER + hash + "\"}\n").getBytes(StandardCharsets.US_ASCII));
        return new Line(line, hash);
    }

    private static int put(byte[] into, int at, byte[] bytes) {
        System.arraycopy(bytes, 0, into, at, bytes.length);
        return at + bytes.length;
    }

    /**
     * The text with each lone surrogate replaced by '?', as {@code String.getBytes} would: Jackson's
     * UTF-8 generator refuses one, and a caller-supplied name could hold one. The hash covers what is written.
     */
    static String wellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isSurrogate(s.charAt(i))) {
                return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8); // the encoder writes '?' for each
            }
        }
        return s;
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

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(Sha256.of(bytes));
    }
}
