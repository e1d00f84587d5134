package dev.kinko.cli;

import static dev.kinko.cli.AccessCliTest.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kinko.server.testing.TestRegion;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kinko token create --access-key: two lines, once; token list marks the key; revoke by its id. */
class AccessKeyCliTest {
    @TempDir
    Path dir;

    @Test
    void createListAndRevokeAnAccessKey() throws Exception {
        try (TestRegion tokyo = TestRegion.builder("tokyo", dir).size(1).start()) {
            String root = tokyo.rootToken();
            Path doc = dir.resolve("app.json");
            Files.writeString(doc, """
                    {"Version": "2012-10-17", "Statement": [
                      {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "app/*"}]}
                    """);
            assertThat(as(tokyo, root, "policy", "put", "app", "--file", doc.toString()).code()).isZero();

            CliRun created = as(tokyo, root, "token", "create", "--access-key", "--policy", "app", "--name", "aws-cli",
                    "--ttl", "7d");
            assertThat(created.code()).as(created.err()).isZero();
            assertThat(created.out()).as("exactly two lines")
                    .matches("AWS_ACCESS_KEY_ID=KKIA[A-Z0-9]{16}\nAWS_SECRET_ACCESS_KEY=[A-Za-z0-9/+]{40}\n");
            String id = created.out().lines().findFirst().orElseThrow().substring("AWS_ACCESS_KEY_ID=".length());
            String secret = created.out().lines().skip(1).findFirst().orElseThrow()
                    .substring("AWS_SECRET_ACCESS_KEY=".length());
            assertThat(tokyo.node(0).authenticator().accessKey(id, "cli").orElseThrow().caller().policies())
                    .containsExactly("app");

            String listed = as(tokyo, root, "token", "list").out();
            assertThat(listed.lines().filter(l -> l.startsWith(id))).singleElement().asString()
                    .contains("aws-cli").contains("app (access key)");
            assertThat(listed).doesNotContain(secret);
            assertThat(listed.lines().filter(l -> l.contains("(root)"))).singleElement().asString()
                    .doesNotContain("(access key)");

            CliRun json = as(tokyo, root, "token", "create", "--access-key", "--policy", "app", "-o", "json");
            assertThat(json.out()).contains("\"access_key_id\": \"KKIA").contains("\"secret_access_key\"");

            assertThat(as(tokyo, root, "token", "revoke", id).out()).isEqualTo("revoked token " + id + "\n");
            assertThat(tokyo.node(0).authenticator().accessKey(id, "cli")).isEmpty();
            assertThat(as(tokyo, root, "token", "create", "--access-key", "--policy", "nope").err())
                    .startsWith("kinko: POLICY_NOT_FOUND: ");
        }
    }
}
