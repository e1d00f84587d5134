package dev.kinko.server.audit;

import static dev.kinko.server.audit.AuditTesting.NODE;
import static dev.kinko.server.audit.AuditTesting.event;
import static dev.kinko.server.audit.AuditTesting.lines;
import static dev.kinko.server.audit.AuditTesting.name;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer: line format and hash, rotation, resuming, a torn tail, failing closed, concurrency, modes. */
class AuditLogTest {
    @TempDir
    Path tmp;

    @Test
    void aRotatedLogOfHundredsOfEventsVerifiesAndEachLineFollowsTheFormat() throws Exception {
        Path dir = tmp.resolve("audit");
        List<Path> files = AuditTesting.writeLog(dir, 300, 8192);

        assertThat(files).hasSizeGreaterThan(5);
        assertThat(name(files.get(0))).isEqualTo("audit-00000000000000000001.jsonl");
        VerifyResult r = AuditVerifier.verify(files, List.of());
        assertThat(r.ok()).isTrue();
        assertThat(r).isEqualTo(new VerifyResult(files.size(), 300, 1, 300, null));

        ObjectMapper json = new ObjectMapper();
        String expectedPrev = "0".repeat(64);
        long seq = 1;
        for (Path f : files) {
            assertThat(name(f)).isEqualTo(String.format("audit-%020d.jsonl", seq));
            for (String line : lines(f)) {
                JsonNode n = json.readTree(line);
                List<String> names = new ArrayList<>();
                n.fieldNames().forEachRemaining(names::add);
                assertThat(names).containsExactly("seq", "time", "node", "principal", "accessor", "source", "action",
                        "resource", "version", "outcome", "reason", "request_id", "prev", "hash");
                assertThat(n.get("seq").asLong()).isEqualTo(seq);
                assertThat(n.get("prev").asText()).isEqualTo(expectedPrev);
                // the hash definition, computed independently: SHA-256 of the line without its hash member
                String hash = n.get("hash").asText();
                String hashed = line.replace(",\"hash\":\"" + hash + "\"", "");
                assertThat(hash).isEqualTo(HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-256").digest(hashed.getBytes(StandardCharsets.UTF_8))));
                expectedPrev = hash;
                seq++;
            }
        }
        String first = lines(files.get(0)).get(0);
        assertThat(first).startsWith("{\"seq\":1,\"time\":\"2025-01-01T00:00:00.001Z\",\"node\":\"tokyo-1\","
                + "\"principal\":\"svc-1\",\"accessor\":\"acc-1\",\"source\":\"10.0.0.1:51\",\"action\":\"GetSecretValue\","
                + "\"resource\":\"prod/db/password-1\",\"version\":\"v1\",\"outcome\":\"allowed\",\"reason\":\"\","
                + "\"request_id\":\"req-1\",\"prev\":\"" + "0".repeat(64) + "\",\"hash\":\"");
    }

    @Test
    void theDirectoryIsOwnerOnlyAndEveryFileToo() throws Exception {
        Path dir = tmp.resolve("audit");
        List<Path> files = AuditTesting.writeLog(dir, 50, 2048);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        assertThat(files).hasSizeGreaterThan(1);
        for (Path f : files) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        }
    }

    @Test
    void reopeningResumesTheChainWhereItStopped() throws Exception {
        Path dir = tmp.resolve("audit");
        ChainHead before;
        try (AuditLog log = AuditLog.open(dir, NODE, 4096)) {
            for (int i = 1; i <= 50; i++) {
                log.append(event(i));
            }
            before = log.head();
        }
        try (AuditLog log = AuditLog.open(dir, NODE, 4096)) {
            assertThat(log.head()).isEqualTo(before);
            assertThat(before.seq()).isEqualTo(50);
            for (int i = 51; i <= 100; i++) {
                log.append(event(i));
            }
            assertThat(log.head().seq()).isEqualTo(100);
        }
        VerifyResult r = AuditVerifier.verify(AuditFiles.list(dir), List.of(before));
        assertThat(r.ok()).isTrue();
        assertThat(r.lines()).isEqualTo(100);
    }

    @Test
    void aTornLastLineIsKeptAndReportedAndTheChainGoesOnInANewFile() throws Exception {
        Path dir = tmp.resolve("audit");
        Path torn = AuditTesting.writeLog(dir, 10, 1 << 20).get(0);
        // a crash mid-write: part of line 11, no newline
        Files.writeString(torn, "{\"seq\":11,\"time\":\"2025-01-", StandardOpenOption.APPEND);

        try (AuditLog log = AuditLog.open(dir, NODE, 1 << 20)) {
            assertThat(log.head().seq()).as("the last intact line").isEqualTo(10);
            for (int i = 12; i <= 16; i++) {
                log.append(event(i));
            }
        }
        List<Path> files = AuditFiles.list(dir);
        assertThat(files).extracting(AuditTesting::name)
                .containsExactly(name(torn), "audit-00000000000000000012.jsonl"); // seq 11 was spent on the torn line
        assertThat(lines(torn)).hasSize(11).last().asString().endsWith("2025-01-");

        VerifyResult all = AuditVerifier.verify(files, List.of());
        assertThat(all.broken()).isEqualTo(new VerifyResult.Break(name(torn), 11, 11,
                "torn last line (no newline: a crash mid-write; the chain goes on in the next file)"));
        VerifyResult after = AuditVerifier.verify(files.subList(1, 2), List.of());
        assertThat(after.ok()).isTrue();
        assertThat(after.startsAt()).isEqualTo(12);
        assertThat(after.endsAt()).isEqualTo(16);
    }

    @Test
    void anAppendThatCannotBeWrittenFailsClosedCountsAFailureAndTheLogRecoversLater() throws Exception {
        Path dir = tmp.resolve("audit");
        Path aside = tmp.resolve("aside");
        try (AuditLog log = AuditLog.open(dir, NODE, 1)) { // a file per line: every append creates one
            for (int i = 1; i <= 3; i++) {
                log.append(event(i));
            }
            // a regular file where the directory was stops file creation even for root
            Files.move(dir, aside);
            Files.writeString(dir, "not a directory");

            assertThatThrownBy(() -> log.append(event(4)))
                    .isInstanceOf(AuditUnavailableException.class)
                    .hasMessage("the audit log cannot record a GetSecretValue event")
                    .hasMessageNotContaining("svc-").hasMessageNotContaining("prod/");
            assertThatThrownBy(() -> log.append(event(4))).isInstanceOf(AuditUnavailableException.class);
            assertThat(log.failures()).isEqualTo(2);
            assertThat(log.head().seq()).isEqualTo(3);

            Files.delete(dir);
            Files.move(aside, dir);
            log.append(event(4));
            assertThat(log.head().seq()).isEqualTo(4);
            assertThat(log.failures()).isEqualTo(2);
        }
        VerifyResult r = AuditVerifier.verify(AuditFiles.list(dir), List.of());
        assertThat(r.ok()).isTrue();
        assertThat(r.lines()).isEqualTo(4);
    }

    @Test
    void anAppendAfterCloseFailsClosed() throws Exception {
        AuditLog log = AuditLog.open(tmp.resolve("audit"), NODE, 4096);
        log.close();
        assertThatThrownBy(() -> log.append(event(1))).isInstanceOf(AuditUnavailableException.class);
        assertThat(log.failures()).isEqualTo(1);
    }

    @Test
    void eightThreadsAppendingAtOnceMakeOneValidChain() throws Exception {
        Path dir = tmp.resolve("audit");
        int threads = 8;
        int each = 60;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (AuditLog log = AuditLog.open(dir, NODE, 8192)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int base = t * each;
                done.add(pool.submit(() -> {
                    for (int i = 1; i <= each; i++) {
                        log.append(event(base + i));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertThat(log.head().seq()).isEqualTo(threads * each);
        } finally {
            pool.shutdownNow();
        }
        VerifyResult r = AuditVerifier.verify(AuditFiles.list(dir), List.of());
        assertThat(r.ok()).isTrue();
        assertThat(r.lines()).isEqualTo(threads * each);
        assertThat(r.files()).isGreaterThan(1);
    }
}
