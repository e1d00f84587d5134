package dev.kinko.example.rotator;

import dev.kinko.server.rotation.postgres.PostgresTestServer;
import static dev.kinko.server.rotation.postgres.PostgresTestServer.INVALID_PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kinko.client.KinkoClient;
import dev.kinko.client.KinkoException;
import dev.kinko.proto.v1.CancelRotateSecretRequest;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.DescribeSecretRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.GetSecretValueResponse;
import dev.kinko.proto.v1.ReceiveRotationJobsResponse;
import dev.kinko.proto.v1.RotateSecretRequest;
import dev.kinko.proto.v1.RotationInfo;
import dev.kinko.proto.v1.RotationRules;
import dev.kinko.proto.v1.RotationStep;
import dev.kinko.proto.v1.SecretMetadata;
import dev.kinko.proto.v1.SecretVersionInfo;
import dev.kinko.server.testing.TestRegion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example rotator in-process against a real 3-node region and a real PostgreSQL, under a
 * token that carries the policy its README gives (read from the README).
 */
class ExampleRotatorTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String NAME = "example";

    @TempDir
    static Path dir;
    static TestRegion region;
    static PostgresTestServer pg;
    /** The operator: creates secrets, starts rotations, describes (root token). */
    static KinkoClient operator;
    static String rotatorToken;

    @BeforeAll
    static void start() throws IOException {
        region = TestRegion.start("nara", dir);
        pg = PostgresTestServer.start();
        operator = KinkoClient.builder().addresses(region.addresses()).tls(region.caFile()).token(region.rootToken())
                .build();
        rotatorToken = region.tokenWithPolicy(region.awaitLeader(), "rotator-example", readmePolicy());
    }

    @AfterAll
    static void stop() throws IOException {
        if (operator != null) {
            operator.close();
        }
        if (pg != null) {
            pg.close();
        }
        if (region != null) {
            region.close();
        }
    }

    /** Every step the rotator handled, in order. */
    static final class Steps implements StepListener {
        record Handled(RotationStep step, String token, String error, boolean accepted) {}

        final List<Handled> handled = new CopyOnWriteArrayList<>();

        @Override
        public void stepHandled(ReceiveRotationJobsResponse job, String error, boolean accepted) {
            handled.add(new Handled(job.getStep(), job.getToken(), error, accepted));
        }

        List<RotationStep> succeeded(String token) {
            return handled.stream().filter(h -> h.token().equals(token) && h.accepted() && h.error().isEmpty())
                    .map(Handled::step).toList();
        }
    }

    @Test
    void rotatesAPostgresUserInAwsFourStepsUnderTheReadmePolicy() throws Exception {
        pg.sql("CREATE ROLE app LOGIN PASSWORD 'p1'");
        String secret = "db/example-app";
        String v0 = operator.createSecret(CreateSecretRequest.newBuilder().setName(secret)
                .setSecretString(pg.secret("app", "p1")).build()).getVersionId();
        Steps steps = new Steps();
        try (ExampleRotator rotator = new ExampleRotator(config(), steps).start()) {
            awaitSubscribed(secret);
            String version = operator.rotateSecret(RotateSecretRequest.newBuilder().setSecretId(secret).build())
                    .getVersionId();
            awaitRotated(secret, version);

            assertThat(steps.succeeded(version)).as("the four steps, each done and reported once")
                    .containsExactly(RotationStep.ROTATION_STEP_CREATE_SECRET, RotationStep.ROTATION_STEP_SET_SECRET,
                            RotationStep.ROTATION_STEP_TEST_SECRET, RotationStep.ROTATION_STEP_FINISH_SECRET);
            assertThat(rotator.stepsHandled()).isEqualTo(4);

            GetSecretValueResponse current = operator.getSecretValue(GetSecretValueRequest.newBuilder()
                    .setSecretId(secret).build());
            assertThat(current.getVersionId()).isEqualTo(version);
            String newPassword = JSON.readTree(current.getSecretString()).get("password").asText();
            assertThat(JSON.readTree(current.getSecretString()).get("username").asText()).isEqualTo("app");
            assertThat(newPassword).isNotEqualTo("p1").doesNotContainAnyWhitespaces()
                    .matches("[^:/@\"'\\\\]+");
            assertThat(pg.loginError("app", "p1")).as("the old password is refused").isEqualTo(INVALID_PASSWORD);
            assertThat(pg.loginError("app", newPassword)).as("the new one logs in").isNull();

            SecretMetadata after = describe(secret);
            assertThat(stages(after, version)).containsExactly("CURRENT");
            assertThat(stages(after, v0)).containsExactly("PREVIOUS");
            assertThat(after.getRotation().getRotator()).isEqualTo("external:" + NAME);
        }
    }

    @Test
    void aStepThatFailsIsReportedWithoutAPasswordAndTheRotationGivesUp() throws Exception {
        // no such role: setSecret cannot log in with any of the secret's passwords
        String secret = "db/example-ghost";
        String v0 = operator.createSecret(CreateSecretRequest.newBuilder().setName(secret)
                .setSecretString(pg.secret("ghost", "ghost-pw-0")).build()).getVersionId();
        Steps steps = new Steps();
        try (ExampleRotator rotator = new ExampleRotator(config(), steps).start()) {
            awaitSubscribed(secret);
            operator.rotateSecret(RotateSecretRequest.newBuilder().setSecretId(secret).build());
            await().atMost(TestRegion.SETTLE).pollInterval(Duration.ofMillis(100))
                    .until(() -> describe(secret).getRotation().getFailed());

            RotationInfo failed = describe(secret).getRotation();
            assertThat(failed.getLastError()).startsWith("setSecret: none of PENDING, CURRENT and PREVIOUS logs in as ghost@");
            assertThat(steps.handled).filteredOn(h -> !h.error().isEmpty()).isNotEmpty()
                    .allSatisfy(h -> assertThat(h.step()).isEqualTo(RotationStep.ROTATION_STEP_SET_SECRET));
            // no password in any error the rotator reported, nor in what DescribeSecret shows
            for (SecretVersionInfo v : describe(secret).getVersionsList()) {
                String pw = JSON.readTree(operator.getSecretValue(GetSecretValueRequest.newBuilder().setSecretId(secret)
                        .setVersionId(v.getVersionId()).build()).getSecretString()).get("password").asText();
                assertThat(failed.getLastError()).doesNotContain(pw);
                assertThat(steps.handled).allSatisfy(h -> assertThat(h.error()).doesNotContain(pw));
            }
            assertThat(stages(describe(secret), v0)).as("CURRENT untouched").containsExactly("CURRENT");
        } finally {
            operator.cancelRotateSecret(CancelRotateSecretRequest.newBuilder().setSecretId(secret).build());
        }
    }

    @Test
    void streamsEndedByARollingRestartAreOpenedAgain() throws Exception {
        pg.sql("CREATE ROLE rolling LOGIN PASSWORD 'r1'");
        String secret = "db/example-rolling";
        operator.createSecret(CreateSecretRequest.newBuilder().setName(secret)
                .setSecretString(pg.secret("rolling", "r1")).build());
        Steps steps = new Steps();
        try (ExampleRotator rotator = new ExampleRotator(config(), steps).start()) {
            awaitSubscribed(secret);
            // every node restarts once: whichever node leads afterwards, its stream is a reopened one
            for (int i = 0; i < region.size(); i++) {
                region.stopNode(i);
                region.startNode(i);
                region.awaitLeader();
            }
            awaitSubscribed(secret);
            String version = operator.rotateSecret(RotateSecretRequest.newBuilder().setSecretId(secret).build())
                    .getVersionId();
            awaitRotated(secret, version);
            assertThat(steps.succeeded(version)).hasSize(4);
            String password = JSON.readTree(operator.getSecretValue(GetSecretValueRequest.newBuilder()
                    .setSecretId(secret).build()).getSecretString()).get("password").asText();
            assertThat(pg.loginError("rolling", password)).isNull();
            assertThat(pg.loginError("rolling", "r1")).isEqualTo(INVALID_PASSWORD);
        }
    }

    // --- helpers --------------------------------------------------------------------------

    static RotatorConfig config() {
        return new RotatorConfig(List.of(region.addresses().split(",")), region.caFile(), rotatorToken, NAME);
    }

    /**
     * Waits until the rotator's stream reached the leader: RotateSecret without rotating now
     * checks exactly that for an external rotator (ROTATION_SETUP_FAILED until then).
     */
    static void awaitSubscribed(String secret) {
        await().atMost(TestRegion.SETTLE).pollInterval(Duration.ofMillis(100)).ignoreExceptionsInstanceOf(
                KinkoException.class).until(() -> operator.rotateSecret(RotateSecretRequest.newBuilder()
                .setSecretId(secret).setRotator("external:" + NAME).setRotateImmediately(false)
                .setRotationRules(RotationRules.newBuilder().setAutomaticallyAfterDays(30)).build()) != null);
    }

    static void awaitRotated(String secret, String version) {
        assertThat(version).isNotEmpty();
        await().atMost(TestRegion.SETTLE).pollInterval(Duration.ofMillis(100)).until(() -> {
            SecretMetadata s = describe(secret);
            if (s.getRotation().getFailed()) {
                throw new AssertionError("rotation failed: " + s.getRotation().getLastError());
            }
            return s.getRotation().getRotatingVersionId().isEmpty() && s.getRotation().hasLastRotatedDate()
                    && stages(s, version).contains("CURRENT");
        });
    }

    static SecretMetadata describe(String secret) {
        return operator.describeSecret(DescribeSecretRequest.newBuilder().setSecretId(secret).build()).getSecret();
    }

    static List<String> stages(SecretMetadata secret, String versionId) {
        return secret.getVersionsList().stream().filter(v -> v.getVersionId().equals(versionId)).findFirst()
                .<List<String>>map(SecretVersionInfo::getVersionStagesList).orElse(List.of());
    }

    /** The policy in README.md: the json block after the marker comment, so the README is what is proven. */
    static String readmePolicy() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        Matcher m = Pattern.compile("<!-- ExampleRotatorTest reads this block[^>]*-->\\s*```json\\n(.*?)```",
                Pattern.DOTALL).matcher(readme);
        assertThat(m.find()).as("README.md has the policy block").isTrue();
        return m.group(1);
    }
}
