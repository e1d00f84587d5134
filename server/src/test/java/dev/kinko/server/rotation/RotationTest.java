package dev.kinko.server.rotation;

import static dev.kinko.server.testing.Grpcs.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kinko.proto.v1.CancelRotateSecretRequest;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.DescribeSecretRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.ListSecretVersionIdsRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.ReadConsistency;
import dev.kinko.proto.v1.RotateSecretRequest;
import dev.kinko.proto.v1.RotationInfo;
import dev.kinko.proto.v1.RotationRules;
import dev.kinko.proto.v1.SecretMetadata;
import dev.kinko.proto.v1.SecretVersionInfo;
import dev.kinko.proto.v1.SecretsServiceGrpc;
import dev.kinko.server.rotation.postgres.PostgresTestServer;
import dev.kinko.server.testing.MutableClock;
import dev.kinko.server.testing.TestRegion;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rotation on real regions: tokyo (the primary, under a clock the test moves) replicating to
 * osaka, with the built-in rotators, one of them against a real PostgreSQL.
 */
class RotationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long HOUR = 3_600_000L;
    /** The clock of a node's command stamps and the test's reading of it differ by this much at most. */
    private static final long SLOP = 60_000L;

    @TempDir
    static Path dir;
    static final MutableClock clock = new MutableClock();
    static TestRegion osaka;
    static TestRegion tokyo;

    @BeforeAll
    static void start() {
        osaka = TestRegion.start("osaka", dir);
        tokyo = TestRegion.builder("tokyo", dir).clock(clock).link(osaka).start();
        tokyo.awaitLeader();
        osaka.awaitLeader();
    }

    @AfterAll
    static void stop() {
        tokyo.close();
        osaka.close();
    }

    @Test
    void aScheduleRunsUnderTheRegionClockAManualPutMovesItAndReplicasGetTheNewValue() throws Exception {
        String name = "app/scheduled";
        tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(name)
                .setSecretString("{\"username\":\"svc\",\"password\":\"p0\"}").addAddReplicaRegions("osaka").build()));
        long configured = clock.millis();
        tokyo.withRetry(s -> s.rotateSecret(RotateSecretRequest.newBuilder().setSecretId(name)
                .setRotationRules(RotationRules.newBuilder().setScheduleExpression("rate(4 hours)"))
                .setRotateImmediately(false).build()));
        RotationInfo scheduled = describe(name).getRotation();
        assertThat(scheduled.getRotationEnabled()).isTrue();
        assertThat(scheduled.getRotator()).isEqualTo("password");
        assertThat(scheduled.getRotatingVersionId()).as("nothing rotates yet").isEmpty();
        assertWithin(millis(scheduled.getNextRotationDate()), configured + 4 * HOUR, configured + 5 * HOUR);

        clock.advance(Duration.ofHours(2));
        long put = clock.millis();
        tokyo.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name)
                .setSecretString("{\"username\":\"svc\",\"password\":\"p1\"}").build()));
        RotationInfo moved = describe(name).getRotation();
        assertThat(millis(moved.getLastRotatedDate())).as("a manual put counts as a rotation").isBetween(put - SLOP, put + SLOP);
        assertWithin(millis(moved.getNextRotationDate()), put + 4 * HOUR, put + 5 * HOUR);

        clock.advance(Duration.ofHours(5)); // past the moved window
        await().atMost(TestRegion.SETTLE).until(() -> !password(tokyo, name).equals("p1"));
        JsonNode rotated = JSON.readTree(value(tokyo, name));
        assertThat(rotated.get("username").asText()).as("only the password field changes").isEqualTo("svc");
        assertThat(rotated.get("password").asText()).hasSize(32);
        SecretMetadata after = describe(name);
        long last = millis(after.getRotation().getLastRotatedDate());
        assertThat(last).isGreaterThan(put + 4 * HOUR);
        assertWithin(millis(after.getRotation().getNextRotationDate()), last + 4 * HOUR, last + 5 * HOUR);
        assertThat(after.getVersionsList().stream().filter(v -> v.getVersionStagesList().contains("PREVIOUS"))
                .map(SecretVersionInfo::getVersionId)).hasSize(1);

        await().atMost(TestRegion.SETTLE).until(() -> value(osaka, name).equals(rotated.toString()));
        assertRefused(() -> osaka.withRetry(s -> s.rotateSecret(RotateSecretRequest.newBuilder().setSecretId(name).build())),
                Status.Code.FAILED_PRECONDITION, "REPLICA_READ_ONLY");
        try {
            osaka.withRetry(s -> s.rotateSecret(RotateSecretRequest.newBuilder().setSecretId(name).build()));
        } catch (io.grpc.StatusRuntimeException e) {
            assertThat(e.getStatus().getDescription()).as("names the primary").contains("tokyo");
        }
    }

    @Test
    void badRulesAndRotatorsAreRefusedAndChangeNothing() {
        String name = "app/refused";
        tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(name).setSecretString("v").build()));
        assertRefused(() -> tokyo.withRetry(s -> s.rotateSecret(RotateSecretRequest.newBuilder().setSecretId(name)
                .setRotationRules(RotationRules.newBuilder().setScheduleExpression("rate(3 hours)")).build())),
                Status.Code.INVALID_ARGUMENT, "INVALID_ROTATION_RULES");
        assertRefused(() -> tokyo.withRetry(s -> s.rotateSecret(RotateSecretRequest.newBuilder().setSecretId(name)
                .setRotationRules(RotationRules.newBuilder().setAutomaticallyAfterDays(1001)).build())),
                Status.Code.INVALID_ARGUMENT, "INVALID_ROTATION_RULES");
        assertRefused(() -> tokyo.withRetry(s -> s.rotateSecret(RotateSecretRequest.newBuilder().setSecretId(name)
                .setRotator("ftp").build())), Status.Code.INVALID_ARGUMENT, "UNKNOWN_ROTATOR");
        assertRefused(() -> tokyo.withRetry(s -> s.rotateSecret(RotateSecretRequest.newBuilder().setSecretId(name)
                .setRotateImmediately(false).build())), Status.Code.INVALID_ARGUMENT, "INVALID_ROTATION_RULES");
        assertRefused(() -> tokyo.withRetry(s -> s.rotateSecret(RotateSecretRequest.newBuilder().setSecretId(name)
                .setRotator("postgresql-single-user").setRotateImmediately(false)
                .setRotationRules(RotationRules.newBuilder().setAutomaticallyAfterDays(30)).build())),
                Status.Code.FAILED_PRECONDITION, "ROTATION_SETUP_FAILED");
        assertThat(describe(name).hasRotation()).as("nothing was stored").isFalse();
        assertThat(value(tokyo, name)).isEqualTo("v");
    }

    @Test
    void postgresSingleUserRetriesWithFreshPasswordsFailsThenRotatesTheRealRole() throws Exception {
        try (PostgresTestServer pg = PostgresTestServer.start()) {
            pg.sql("CREATE ROLE app WITH LOGIN PASSWORD " + PostgresTestServer.literal("right-1"));
            String name = "db/app";
            tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(name)
                    .setSecretString(pg.secret("app", "wrong")).build()));
            tokyo.withRetry(s -> s.rotateSecret(RotateSecretRequest.newBuilder().setSecretId(name)
                    .setRotator("postgresql-single-user").build()));
            await().atMost(TestRegion.SETTLE).until(() -> describe(name).getRotation().getFailed());
            RotationInfo failed = describe(name).getRotation();
            assertThat(failed.getAttempts()).isEqualTo(3);
            assertThat(failed.getLastError()).contains("setSecret").doesNotContain("right-1").doesNotContain("wrong");
            assertThat(password(tokyo, name)).as("CURRENT untouched").isEqualTo("wrong");
            Set<String> attempts = new HashSet<>();
            for (SecretVersionInfo v : tokyo.withRetry(s -> s.listSecretVersionIds(ListSecretVersionIdsRequest.newBuilder()
                    .setSecretId(name).setIncludeDeprecated(true).build())).getVersionsList()) {
                if (!v.getVersionStagesList().contains("CURRENT")) {
                    attempts.add(JSON.readTree(tokyo.withRetry(s -> s.getSecretValue(GetSecretValueRequest.newBuilder()
                            .setSecretId(name).setVersionId(v.getVersionId()).build())).getSecretString())
                            .get("password").asText());
                }
            }
            assertThat(attempts).as("every attempt made a fresh password").hasSize(3);
            int leader = tokyo.awaitLeader();
            assertThat(tokyo.metrics(leader))
                    .as("counted for the KinkoRotationFailed alert")
                    .containsPattern("kinko_rotations_failed_total\\{[^}]*} [1-9]")
                    .containsPattern("kinko_rotation_attempt_failures_total\\{[^}]*} [3-9]");
            assertThat(java.nio.file.Files.readString(Path.of("../ops/prometheus/kinko-alerts.yml")))
                    .contains("increase(kinko_rotations_failed_total[1h]) > 0");

            tokyo.withRetry(s -> s.cancelRotateSecret(CancelRotateSecretRequest.newBuilder().setSecretId(name).build()));
            tokyo.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name)
                    .setSecretString(pg.secret("app", "right-1")).build()));
            tokyo.withRetry(s -> s.rotateSecret(RotateSecretRequest.newBuilder().setSecretId(name)
                    .setRotator("postgresql-single-user").build()));
            await().atMost(TestRegion.SETTLE).until(() -> !password(tokyo, name).equals("right-1"));
            String fresh = password(tokyo, name);
            assertThat(fresh).doesNotContainPattern("[:/@\"'\\\\]");
            assertThat(pg.loginError("app", "right-1")).as("the old password is refused by the server").isEqualTo("28P01");
            assertThat(pg.loginError("app", fresh)).as("the new one logs in").isNull();
        }
    }

    @Test
    void alternatingUsersReadOnlyTheMasterSecretTheCallerMayRead() throws Exception {
        try (PostgresTestServer pg = PostgresTestServer.start()) {
            pg.sql("CREATE ROLE app WITH LOGIN PASSWORD " + PostgresTestServer.literal("p1"));
            tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("pg/master")
                    .setSecretString(pg.secret("postgres", "trusted")).build()));
            tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("pg/other-master")
                    .setSecretString(pg.secret("postgres", "trusted")).build()));
            String name = "pg/app";
            tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(name)
                    .setSecretString(pg.secret("app", "p1", ",\"master_secret\":\"pg/master\"")).build()));
            String appOnly = tokyo.tokenWithPolicy(0, "rotates-pg-app", """
                    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:*",
                      "Resource": "pg/app"}]}
                    """);
            SecretsServiceGrpc.SecretsServiceBlockingStub asAppOnly = SecretsServiceGrpc.newBlockingStub(
                    io.grpc.ClientInterceptors.intercept(tokyo.bareChannel(tokyo.awaitLeader()), TestRegion.bearer(appOnly)))
                    .withDeadlineAfter(20, java.util.concurrent.TimeUnit.SECONDS);
            assertRefused(() -> asAppOnly.rotateSecret(RotateSecretRequest.newBuilder().setSecretId(name)
                    .setRotator("postgresql-alternating-users").build()), Status.Code.PERMISSION_DENIED, "ACCESS_DENIED");
            assertThat(describe(name).hasRotation()).as("nothing stored").isFalse();

            tokyo.withRetry(s -> s.rotateSecret(RotateSecretRequest.newBuilder().setSecretId(name)
                    .setRotator("postgresql-alternating-users")
                    .setRotationRules(RotationRules.newBuilder().setScheduleExpression("rate(4 hours)")).build()));
            await().atMost(TestRegion.SETTLE).until(() -> JSON.readTree(value(tokyo, name)).get("username").asText()
                    .equals("app_clone"));
            assertThat(pg.loginError("app_clone", password(tokyo, name))).isNull();
            assertThat(pg.loginError("app", "p1")).as("the other user keeps working").isNull();

            // a value that names another master does not widen what the rotation may read
            JsonNode swapped = JSON.readTree(value(tokyo, name));
            ((com.fasterxml.jackson.databind.node.ObjectNode) swapped).put("master_secret", "pg/other-master");
            tokyo.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name)
                    .setSecretString(swapped.toString()).build()));
            clock.advance(Duration.ofHours(6));
            await().atMost(TestRegion.SETTLE).until(() -> describe(name).getRotation().getLastError()
                    .contains("not the one RotateSecret was allowed to read"));
            tokyo.withRetry(s -> s.cancelRotateSecret(CancelRotateSecretRequest.newBuilder().setSecretId(name).build()));
        }
    }

    // --- helpers --------------------------------------------------------------------------

    private static void assertWithin(long actual, long from, long to) {
        assertThat(actual).isBetween(from - SLOP, to + SLOP);
    }

    private static long millis(com.google.protobuf.Timestamp t) {
        return t.getSeconds() * 1000 + t.getNanos() / 1_000_000;
    }

    private static SecretMetadata describe(String name) {
        return tokyo.withRetry(s -> s.describeSecret(DescribeSecretRequest.newBuilder().setSecretId(name).build()))
                .getSecret();
    }

    private static String value(TestRegion region, String name) {
        return region.withRetry(s -> s.getSecretValue(GetSecretValueRequest.newBuilder().setSecretId(name)
                .setConsistency(ReadConsistency.READ_CONSISTENCY_LINEARIZABLE).build())).getSecretString();
    }

    private static String password(TestRegion region, String name) throws Exception {
        return JSON.readTree(value(region, name)).get("password").asText();
    }
}
