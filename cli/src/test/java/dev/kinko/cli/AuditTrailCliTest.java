package dev.kinko.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.GetAuditHeadsRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.SecretsServiceGrpc;
import dev.kinko.server.testing.TestRegion;
import io.grpc.ClientInterceptors;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit trail of a real region, checked with {@code kinko audit verify --addr}: one line per
 * request, allowed or denied, never a value or a token; the chain verifies against the head the
 * region recorded; an edited line, a removed line, a swapped pair and a cut tail each fail,
 * naming the line.
 */
class AuditTrailCliTest {
    @TempDir
    Path dir;

    static CliRun kinko(TestRegion region, String... args) {
        return CliRun.kinko(region, args);
    }

    @Test
    void aRealLogVerifiesAndEveryKindOfTamperingIsNamed() throws Exception {
        try (TestRegion tokyo = TestRegion.builder("tokyo", dir).size(1).start()) {
            String value = "audit-never-" + System.nanoTime();
            tokyo.secrets(0).createSecret(CreateSecretRequest.newBuilder().setName("audit/db").setSecretString(value).build());
            tokyo.secrets(0).getSecretValue(GetSecretValueRequest.newBuilder().setSecretId("audit/db").build());
            String reader = tokyo.tokenWithPolicy(0, "reads-nothing", """
                    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                      "Action": "secretsmanager:DescribeSecret", "Resource": "other/*"}]}
                    """);
            try {
                SecretsServiceGrpc.newBlockingStub(ClientInterceptors.intercept(tokyo.bareChannel(0),
                        TestRegion.bearer(reader))).getSecretValue(GetSecretValueRequest.newBuilder()
                        .setSecretId("audit/db").build());
            } catch (StatusRuntimeException expected) {
                // denied, and audited as denied
            }
            try {
                SecretsServiceGrpc.newBlockingStub(tokyo.bareChannel(0)).getSecretValue(GetSecretValueRequest.newBuilder()
                        .setSecretId("audit/db").build());
            } catch (StatusRuntimeException expected) {
                // no token: audited as UNAUTHENTICATED
            }
            // the node records its chain head in the region's state within a few seconds
            await().atMost(TestRegion.SETTLE).until(() -> anchoredSeq(tokyo) >= 8);

            Path auditDir = tokyo.config(0).effectiveAuditDir();
            List<Path> files = files(auditDir);
            String all = String.join("\n", lines(files));
            assertThat(all).contains("\"principal\":\"root\"", "\"action\":\"secretsmanager:GetSecretValue\"",
                    "\"resource\":\"audit/db\"", "\"outcome\":\"denied\"", "\"reason\":\"ACCESS_DENIED\"",
                    "\"reason\":\"UNAUTHENTICATED\"", "\"outcome\":\"allowed\"");
            assertThat(all).doesNotContain(value, tokyo.rootToken(), reader);

            CliRun ok = verify(tokyo, files);
            assertThat(ok.code()).as(ok.err()).isZero();
            assertThat(ok.out()).startsWith("ok: ");

            // each tampering on a copy of the log
            List<String> original = lines(files);
            assertBroken(tokyo, original, lines -> lines.set(2, lines.get(2).replace("\"node\":\"tokyo-1\"",
                    "\"node\":\"tokyo-2\"")), "line 3", "edited");
            assertBroken(tokyo, original, lines -> lines.remove(3), "line 4", "removed");
            assertBroken(tokyo, original, lines -> {
                String a = lines.get(4);
                lines.set(4, lines.get(5));
                lines.set(5, a);
            }, "line 5", "");
            // the newest lines removed: the chain alone is whole, the region's anchor is past its end
            long anchored = anchoredSeq(tokyo);
            assertBroken(tokyo, original, lines -> lines.subList((int) anchored - 1, lines.size()).clear(), "", "tail cut");
        }
    }

    static long anchoredSeq(TestRegion region) {
        return dev.kinko.proto.v1.AdminServiceGrpc.newBlockingStub(region.channel(0))
                .getAuditHeads(GetAuditHeadsRequest.getDefaultInstance()).getHeadsList().stream()
                .filter(h -> h.getNodeId().equals(region.config(0).nodeId())).mapToLong(h -> h.getSeq()).max().orElse(0);
    }

    interface Edit {
        void apply(List<String> lines);
    }

    /** Writes the log as one file after {@code edit}, verifies it against the region's anchor, expects a named break. */
    void assertBroken(TestRegion region, List<String> original, Edit edit, String place, String why) throws Exception {
        List<String> lines = new ArrayList<>(original);
        edit.apply(lines);
        Path copy = Files.createDirectories(dir.resolve("tampered-" + System.nanoTime()));
        Path file = copy.resolve("audit-00000000000000000001.jsonl");
        Files.write(file, lines);
        CliRun r = verify(region, List.of(file));
        assertThat(r.code()).as("%s: %s", why, r.out()).isEqualTo(KinkoCli.EXIT_ERROR);
        assertThat(r.err()).startsWith("kinko: audit chain broken at audit-00000000000000000001.jsonl " + place)
                .contains(why);
    }

    CliRun verify(TestRegion region, List<Path> files) {
        List<String> args = new ArrayList<>(List.of("audit", "verify"));
        files.forEach(f -> args.add(f.toString()));
        return kinko(region, args.toArray(String[]::new));
    }

    static List<Path> files(Path auditDir) throws Exception {
        try (Stream<Path> s = Files.list(auditDir)) {
            return s.sorted().toList();
        }
    }

    static List<String> lines(List<Path> files) throws Exception {
        List<String> out = new ArrayList<>();
        for (Path f : files) {
            out.addAll(Files.readAllLines(f));
        }
        return out;
    }
}
