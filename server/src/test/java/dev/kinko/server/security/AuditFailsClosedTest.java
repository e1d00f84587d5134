package dev.kinko.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.ListSecretsRequest;
import dev.kinko.server.rpc.Statuses;
import dev.kinko.server.testing.TestRegion;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node that cannot write its audit line serves nothing: requests are refused with
 * UNAVAILABLE (AUDIT_UNAVAILABLE), nothing they asked for is applied, a metric counts them,
 * and the node serves again once the log can be written.
 */
class AuditFailsClosedTest {
    @TempDir
    Path dir;

    @Test
    void anUnwritableAuditDirectoryRefusesRequestsAndAppliesNothing() throws Exception {
        // small files: the log opens a new one every few lines, so a broken directory shows at once
        try (TestRegion solo = TestRegion.builder("tokyo", dir).size(1).auditFileBytes(600).start()) {
            solo.secrets(0).createSecret(CreateSecretRequest.newBuilder().setName("audit/before").setSecretString("v").build());
            Path audit = solo.config(0).effectiveAuditDir();
            Path aside = dir.resolve("audit-aside");
            Files.move(audit, aside);
            Files.writeString(audit, "not a directory"); // as root too, no file can be made in it now

            await().atMost(TestRegion.SETTLE).until(() -> refusedForAudit(() ->
                    solo.secrets(0).listSecrets(ListSecretsRequest.getDefaultInstance())));
            assertThatThrownBy(() -> solo.secrets(0).createSecret(CreateSecretRequest.newBuilder()
                    .setName("audit/never").setSecretString("v").build())).satisfies(e -> {
                        assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                        assertThat(Statuses.reasonOf(e)).isEqualTo("AUDIT_UNAVAILABLE");
                    });
            assertThat(solo.node(0).raft().stateMachine().storage().idByName("audit/never")).isEmpty();
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(solo.metricsUrl(0)))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).containsPattern("kinko_audit_refused_requests_total\\{[^}]*} [1-9]")
                    .containsPattern("kinko_audit_write_failures_total\\{[^}]*} [1-9]");

            // the directory is back: the node resumes its chain and serves again
            Files.delete(audit);
            Files.move(aside, audit);
            await().atMost(TestRegion.SETTLE).untilAsserted(() -> assertThat(solo.secrets(0)
                    .withDeadlineAfter(5, TimeUnit.SECONDS).getSecretValue(GetSecretValueRequest.newBuilder()
                            .setSecretId("audit/before").build()).getSecretString()).isEqualTo("v"));
            assertThat(solo.node(0).raft().stateMachine().storage().idByName("audit/never")).isEmpty();
        }
    }

    private static boolean refusedForAudit(Runnable call) {
        try {
            call.run();
            return false;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode() == Status.Code.UNAVAILABLE && Statuses.reasonOf(e).equals("AUDIT_UNAVAILABLE");
        }
    }

}
