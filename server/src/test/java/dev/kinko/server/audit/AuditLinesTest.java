package dev.kinko.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Lines are built from bytes rendered outside the log's lock; they must be the bytes the format defines. */
class AuditLinesTest {
    /** Characters a caller-supplied name may bring: quotes, escapes, controls, non-ASCII, pairs and lone surrogates. */
    private static final String[] PIECES = {"a", "Z", "0", "/", "\"", "\\", "\n", "\t", "\u0000", "\u001f", "\u007f",
            "é", "鍵", "\u2028", "\uD83D\uDD11", "\uD83D", "\uDD11", "\uFFFD", " ", "{", "}", ","};

    /**
     * The line as the format was first written: Jackson's character generator, the text's UTF-8
     * bytes (a lone surrogate becomes '?'), then the hash member. A reference, not a second copy of the code.
     */
    private static byte[] reference(long seq, String node, AuditEvent e, String prev) throws Exception {
        StringWriter body = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(body)) {
            g.writeStartObject();
            g.writeNumberField("seq", seq);
            g.writeStringField("time", e.time().toString());
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
        }
        byte[] hashed = body.toString().getBytes(StandardCharsets.UTF_8);
        String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(hashed));
        byte[] head = Arrays.copyOf(hashed, hashed.length - 1);
        byte[] tail = (",\"hash\":\"" + hash + "\"}\n").getBytes(StandardCharsets.US_ASCII);
        byte[] line = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, line, head.length, tail.length);
        return line;
    }

    private static String randomText(Random random) {
        StringBuilder b = new StringBuilder();
        for (int i = random.nextInt(12); i > 0; i--) {
            b.append(PIECES[random.nextInt(PIECES.length)]);
        }
        return b.toString();
    }

    @Test
    void linesAreByteForByteTheFormatsForAnyText() throws Exception {
        Random random = new Random(13);
        String prev = AuditLines.GENESIS;
        for (int i = 1; i <= 2_000; i++) {
            AuditEvent e = new AuditEvent(Instant.ofEpochSecond(1_700_000_000L + i, random.nextInt(1_000_000_000)),
                    AuditTesting.NODE, randomText(random), randomText(random), randomText(random), randomText(random),
                    randomText(random), randomText(random), AuditEvent.ALLOWED, randomText(random), randomText(random));
            long seq = i == 2_000 ? Long.MAX_VALUE : i;
            AuditLines.Line line = AuditLines.format(seq, AuditTesting.NODE, e, prev);

            assertThat(line.bytes()).as("event %d", i).isEqualTo(reference(seq, AuditTesting.NODE, e, prev));
            AuditLines.Parsed parsed = AuditLines.parse(Arrays.copyOf(line.bytes(), line.bytes().length - 1));
            assertThat(parsed.hashMatches()).isTrue();
            assertThat(parsed.hash()).isEqualTo(line.hash());
            assertThat(parsed.prev()).isEqualTo(prev);
            prev = line.hash();
        }
    }

    @Test
    void aLoneSurrogateIsWrittenAsAQuestionMarkAndAPairAsItsCharacter() throws Exception {
        AuditEvent e = new AuditEvent(Instant.parse("2026-12-03T00:00:00Z"), AuditTesting.NODE, "svc", "", "10.0.0.1:1",
                "GetSecretValue", "key-\uD83D-\uD83D\uDD11", "", AuditEvent.ALLOWED, "", "");
        byte[] line = AuditLines.format(1, AuditTesting.NODE, e, AuditLines.GENESIS).bytes();

        String resource = new ObjectMapper().readTree(line).get("resource").asText();
        assertThat(resource).isEqualTo("key-?-\uD83D\uDD11");
        assertThat(AuditLines.parse(Arrays.copyOf(line, line.length - 1)).hashMatches()).isTrue();
    }
}
