package dev.kinko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kinko.server.testing.TestRegion;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kinko policy, token and whoami as an operator uses them: root makes a policy and a token, the token works. */
class AccessCliTest {
    @TempDir
    Path dir;

    /** Runs a command line with the region's address and CA, and {@code token} (none when null). */
    static CliRun as(TestRegion region, String token, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--addr", region.addresses(), "--cacert", region.caFile().toString()));
        if (token != null) {
            all.addAll(List.of("--token", token));
        }
        int code = KinkoCli.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new CliRun(code, out.toString(), err.toString());
    }

    @Test
    void policiesTokensAndWhoami() throws Exception {
        try (TestRegion tokyo = TestRegion.builder("tokyo", dir).size(1).start()) {
            String root = tokyo.rootToken();
            Path doc = dir.resolve("orders.json");
            Files.writeString(doc, """
                    {"Version": "2012-10-17", "Statement": [
                      {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue", "secretsmanager:CreateSecret"],
                       "Resource": "orders/*"}]}
                    """);
            assertThat(as(tokyo, root, "policy", "put", "orders", "--file", doc.toString()).out())
                    .isEqualTo("stored policy orders\n");
            assertThat(as(tokyo, root, "policy", "list").out()).startsWith("orders ");
            assertThat(as(tokyo, root, "policy", "get", "orders").out()).contains("\"secretsmanager:GetSecretValue\"");
            Files.writeString(dir.resolve("bad.json"), "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"allow\"}]}");
            CliRun bad = as(tokyo, root, "policy", "put", "bad", "--file", dir.resolve("bad.json").toString());
            assertThat(bad.code()).isEqualTo(KinkoCli.EXIT_ERROR);
            assertThat(bad.err()).startsWith("kinko: MALFORMED_POLICY: ").doesNotContain("\n\n");

            CliRun created = as(tokyo, root, "token", "create", "--policy", "orders", "--ttl", "24h", "--name", "orders-svc");
            assertThat(created.code()).as(created.err()).isZero();
            String token = created.out().strip();
            assertThat(created.out()).as("the token alone on stdout").isEqualTo(token + "\n").startsWith("kinko.");
            assertThat(as(tokyo, token, "whoami").out()).startsWith("token:").contains("policies orders");
            assertThat(as(tokyo, token, "secret", "create", "orders/db", "--value", "pw").code()).isZero();
            assertThat(as(tokyo, token, "secret", "get", "orders/db").out()).isEqualTo("pw\n");
            CliRun denied = as(tokyo, token, "secret", "get", "other/db");
            assertThat(denied.code()).isEqualTo(KinkoCli.EXIT_ERROR);
            assertThat(denied.err()).startsWith("kinko: ACCESS_DENIED: ");

            String listed = as(tokyo, root, "token", "list").out();
            String accessor = token.split("\\.")[1];
            assertThat(listed).contains(accessor).contains("orders-svc").doesNotContain(token);
            assertThat(as(tokyo, root, "token", "revoke", accessor).out()).isEqualTo("revoked token " + accessor + "\n");
            CliRun revoked = as(tokyo, token, "whoami");
            assertThat(revoked.code()).isEqualTo(KinkoCli.EXIT_ERROR);
            assertThat(revoked.err()).startsWith("kinko: UNAUTHENTICATED: ").doesNotContain(token);
            CliRun anonymous = as(tokyo, null, "secret", "get", "orders/db");
            assertThat(anonymous.err()).startsWith("kinko: UNAUTHENTICATED: ");

            assertThat(as(tokyo, root, "policy", "delete", "orders").out()).isEqualTo("deleted policy orders\n");
            assertThat(as(tokyo, root, "token", "create", "--policy", "orders").err())
                    .startsWith("kinko: POLICY_NOT_FOUND: ");
            assertThat(as(tokyo, root, "token", "create", "--policy", "x", "--ttl", "soon").code())
                    .isEqualTo(KinkoCli.EXIT_ERROR);
        }
    }
}
