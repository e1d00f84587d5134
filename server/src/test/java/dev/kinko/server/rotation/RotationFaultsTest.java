package dev.kinko.server.rotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.CancelRotateSecretRequest;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.DescribeSecretRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.ReceiveRotationJobsResponse;
import dev.kinko.proto.v1.RotateSecretRequest;
import dev.kinko.proto.v1.RotationInfo;
import dev.kinko.proto.v1.RotationRules;
import dev.kinko.proto.v1.RotationStep;
import dev.kinko.proto.v1.SecretMetadata;
import dev.kinko.proto.v1.SecretVersionInfo;
import dev.kinko.server.testing.Grpcs;
import dev.kinko.server.testing.MutableClock;
import dev.kinko.server.testing.TestRegion;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rotations through an external rotator the test drives, on a real 3-node region under a clock
 * the test moves: the leader killed in each of the four steps still gives exactly one rotation
 * per due time, and a failing testSecret leaves CURRENT alone, retries with fresh versions, then
 * fails until cancelled.
 */
class RotationFaultsTest {
    @TempDir
    static Path dir;
    static final MutableClock clock = new MutableClock();
    static TestRegion region;

    @BeforeAll
    static void start() {
        region = TestRegion.builder("tokyo", dir).clock(clock).start();
        region.awaitLeader();
    }

    @AfterAll
    static void stop() {
        region.close();
    }

    @Test
    void killingTheLeaderInEachStepStillRotatesExactlyOncePerDueTime() {
        String name = "svc/kill-" + UUID.randomUUID().toString().substring(0, 8);
        String v0 = create(name, "key-0");
        try (TestRotator rotator = new TestRotator(region, "killer").subscribe()) {
            await().atMost(TestRegion.SETTLE).ignoreExceptions().until(() -> region.withRetry(s -> s.rotateSecret(
                    RotateSecretRequest.newBuilder().setSecretId(name).setRotator("external:killer")
                            .setRotationRules(RotationRules.newBuilder().setScheduleExpression("rate(4 hours)"))
                            .setRotateImmediately(false).build())) != null);
            RotationInfo configured = describe(name).getRotation();
            assertThat(configured.getRotationEnabled()).isTrue();
            assertThat(configured.getRotatingVersionId()).isEmpty();
            clock.advance(Duration.ofHours(5)); // past the whole first window: due now

            String token = null;
            for (RotationStep step : List.of(RotationStep.ROTATION_STEP_CREATE_SECRET,
                    RotationStep.ROTATION_STEP_SET_SECRET, RotationStep.ROTATION_STEP_TEST_SECRET,
                    RotationStep.ROTATION_STEP_FINISH_SECRET)) {
                ReceiveRotationJobsResponse job = rotator.next(step);
                token = token == null ? job.getToken() : token;
                assertThat(job.getToken()).as("one rotation").isEqualTo(token);
                doStep(job);
                int leader = region.awaitLeader();
                region.stopNode(leader); // before the report: the step's outcome is not recorded
                ReceiveRotationJobsResponse again = rotator.next(step);
                assertThat(again.getToken()).as("the new leader resumes the same rotation").isEqualTo(token);
                doStep(again);
                assertThat(rotator.report(again, "")).isTrue();
                region.startNode(leader);
            }
            String rotated = token;
            await().atMost(TestRegion.SETTLE).until(() -> describe(name).getRotation().getLastRotatedDate().getSeconds() > 0);
            SecretMetadata after = describe(name);
            assertThat(after.getVersionsList()).extracting(SecretVersionInfo::getVersionId)
                    .as("exactly one new version for the due time").containsExactlyInAnyOrder(v0, rotated);
            assertThat(stages(after, rotated)).containsExactly("CURRENT");
            assertThat(stages(after, v0)).containsExactly("PREVIOUS");
            assertThat(after.getRotation().getNextRotationDate().getSeconds())
                    .as("the next due time is a window later")
                    .isGreaterThanOrEqualTo(after.getRotation().getLastRotatedDate().getSeconds() + 4 * 3600);

            // the next due time: one more rotation, no more
            clock.advance(Duration.ofHours(6));
            Set<String> tokens = new HashSet<>();
            for (RotationStep step : List.of(RotationStep.ROTATION_STEP_CREATE_SECRET,
                    RotationStep.ROTATION_STEP_SET_SECRET, RotationStep.ROTATION_STEP_TEST_SECRET,
                    RotationStep.ROTATION_STEP_FINISH_SECRET)) {
                ReceiveRotationJobsResponse job = rotator.next(step);
                tokens.add(job.getToken());
                doStep(job);
                rotator.report(job, "");
            }
            assertThat(tokens).hasSize(1).doesNotContain(rotated);
            await().atMost(TestRegion.SETTLE).until(() -> describe(name).getVersionsCount() == 3
                    && describe(name).getRotation().getRotatingVersionId().isEmpty());
            assertThat(stages(describe(name), tokens.iterator().next())).containsExactly("CURRENT");
        }
    }

    @Test
    void aFailingTestSecretKeepsCurrentRetriesWithFreshVersionsThenFailsUntilCancelled() {
        String name = "svc/flaky-" + UUID.randomUUID().toString().substring(0, 8);
        String v0 = create(name, "key-0");
        try (TestRotator rotator = new TestRotator(region, "flaky").subscribe()) {
            region.withRetry(s -> s.rotateSecret(RotateSecretRequest.newBuilder().setSecretId(name)
                    .setRotator("external:flaky").build()));
            Set<String> tokens = new HashSet<>();
            for (int attempt = 1; attempt <= 3; attempt++) {
                ReceiveRotationJobsResponse create = rotator.next(RotationStep.ROTATION_STEP_CREATE_SECRET);
                assertThat(create.getAttempt()).isEqualTo(attempt);
                assertThat(tokens.add(create.getToken())).as("each attempt makes a fresh version").isTrue();
                doStep(create);
                rotator.report(create, "");
                rotator.report(rotator.next(RotationStep.ROTATION_STEP_SET_SECRET), "");
                ReceiveRotationJobsResponse test = rotator.next(RotationStep.ROTATION_STEP_TEST_SECRET);
                rotator.report(test, "testSecret: the database refused the PENDING login");
                if (attempt < 3) {
                    SecretMetadata meanwhile = describe(name);
                    assertThat(stages(meanwhile, v0)).as("CURRENT untouched").containsExactly("CURRENT");
                    assertThat(stages(meanwhile, create.getToken())).as("PENDING visible").containsExactly("PENDING");
                    assertThat(meanwhile.getRotation().getLastError()).contains("refused the PENDING login");
                }
            }
            await().atMost(TestRegion.SETTLE).until(() -> describe(name).getRotation().getFailed());
            SecretMetadata failed = describe(name);
            assertThat(failed.getRotation().getAttempts()).isEqualTo(3);
            assertThat(failed.getRotation().getLastError()).contains("refused the PENDING login");
            assertThat(stages(failed, v0)).containsExactly("CURRENT");
            assertThat(failed.getVersionsList().stream().filter(v -> v.getVersionStagesList().contains("PENDING")))
                    .hasSize(1);
            assertThat(value(name)).isEqualTo("key-0");

            Grpcs.assertRefused(() -> region.secrets(region.awaitLeader()).rotateSecret(RotateSecretRequest.newBuilder()
                    .setSecretId(name).build()), Status.Code.FAILED_PRECONDITION, "ROTATION_FAILED");

            String unpended = region.withRetry(s -> s.cancelRotateSecret(CancelRotateSecretRequest.newBuilder()
                    .setSecretId(name).build())).getVersionId();
            assertThat(tokens).contains(unpended);
            SecretMetadata cancelled = describe(name);
            assertThat(cancelled.getVersionsList()).noneMatch(v -> v.getVersionStagesList().contains("PENDING"));
            assertThat(cancelled.getRotation().getRotationEnabled()).isFalse();
            assertThat(cancelled.getRotation().getFailed()).isFalse();

            // unblocked: a built-in rotation goes through
            region.withRetry(s -> s.rotateSecret(RotateSecretRequest.newBuilder().setSecretId(name)
                    .setRotator("password").build()));
            await().atMost(TestRegion.SETTLE).until(() -> !value(name).equals("key-0"));
        }
    }

    /**
     * A report races the leader's tick (every 100 ms here): the tick may send the next step
     * before the report's handler is done. Each step must still reach the rotator exactly once.
     */
    @Test
    void eachStepIsSentOnceWhenTheRotatorReportsPromptly() {
        String name = "svc/prompt-" + UUID.randomUUID().toString().substring(0, 8);
        create(name, "key-0");
        List<RotationStep> steps = List.of(RotationStep.ROTATION_STEP_CREATE_SECRET,
                RotationStep.ROTATION_STEP_SET_SECRET, RotationStep.ROTATION_STEP_TEST_SECRET,
                RotationStep.ROTATION_STEP_FINISH_SECRET);
        try (TestRotator rotator = new TestRotator(region, "prompt").subscribe()) {
            await().atMost(TestRegion.SETTLE).ignoreExceptions().until(() -> region.withRetry(s -> s.rotateSecret(
                    RotateSecretRequest.newBuilder().setSecretId(name).setRotator("external:prompt")
                            .setRotateImmediately(false)
                            .setRotationRules(RotationRules.newBuilder().setAutomaticallyAfterDays(30)).build())) != null);
            for (int rotation = 0; rotation < ROTATIONS_SENT_ONCE; rotation++) {
                region.withRetry(s -> s.rotateSecret(RotateSecretRequest.newBuilder().setSecretId(name).build()));
                for (RotationStep step : steps) {
                    ReceiveRotationJobsResponse job = rotator.next();
                    assertThat(job.getStep()).as("rotation %d: the next job, not a repeat", rotation).isEqualTo(step);
                    doStep(job);
                    assertThat(rotator.report(job, "")).isTrue();
                }
                await().atMost(TestRegion.SETTLE).until(() -> describe(name).getRotation().getRotatingVersionId()
                        .isEmpty());
            }
            assertThat(rotator.poll()).as("no job after the last finishSecret").isNull();
        }
    }

    /** Rotations in {@link #eachStepIsSentOnceWhenTheRotatorReportsPromptly}: 4 reports each. */
    static final int ROTATIONS_SENT_ONCE = 25;

    @Test
    void jobsAndReportsAreCheckedOnTheirSecret() {
        String name = "svc/guarded-" + UUID.randomUUID().toString().substring(0, 8);
        create(name, "key-0");
        String token = region.tokenWithPolicy(0, "picky-rotator", """
                {"Version": "2012-10-17", "Statement": [
                  {"Effect": "Allow", "Action": ["kinko:RunRotator", "secretsmanager:*"], "Resource": "*"},
                  {"Effect": "Deny", "Action": "kinko:RunRotator", "Resource": "%s"}]}
                """.formatted(name));
        try (TestRotator picky = new TestRotator(region, "guarded", i -> io.grpc.ClientInterceptors.intercept(
                region.bareChannel(i), TestRegion.bearer(token))).subscribe()) {
            try (TestRotator root = new TestRotator(region, "guarded")) {
                // both subscribe as "guarded"; the picky one is passed over for this secret
                await().atMost(TestRegion.SETTLE).ignoreExceptions().until(() -> {
                    root.subscribe();
                    return region.withRetry(s -> s.rotateSecret(RotateSecretRequest.newBuilder().setSecretId(name)
                            .setRotator("external:guarded").setRotateImmediately(false)
                            .setRotationRules(RotationRules.newBuilder().setAutomaticallyAfterDays(30)).build())) != null;
                });
                region.withRetry(s -> s.rotateSecret(RotateSecretRequest.newBuilder().setSecretId(name).build()));
                ReceiveRotationJobsResponse job = root.next(RotationStep.ROTATION_STEP_CREATE_SECRET);
                assertThat(job.getSecretId()).isEqualTo(describe(name).getId());
                assertThat(picky.poll()).as("no job for a secret its policy denies").isNull();
                Grpcs.assertRefused(() -> picky.reportVia(region.awaitLeader(), job, ""),
                        Status.Code.PERMISSION_DENIED, "ACCESS_DENIED");
                assertThat(describe(name).getRotation().getStep()).isEqualTo(RotationStep.ROTATION_STEP_CREATE_SECRET);
                region.withRetry(s -> s.cancelRotateSecret(CancelRotateSecretRequest.newBuilder().setSecretId(name)
                        .build()));
            }
        }
    }

    // --- helpers --------------------------------------------------------------------------

    /** What the test's rotator does for a step: createSecret puts PENDING (the same value for a token, so a repeat is a retry). */
    private static void doStep(ReceiveRotationJobsResponse job) {
        if (job.getStep() == RotationStep.ROTATION_STEP_CREATE_SECRET) {
            region.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(job.getSecretId())
                    .setClientRequestToken(job.getToken()).setSecretString("key-" + job.getToken())
                    .addVersionStages("PENDING").build()));
        }
    }

    private static String create(String name, String value) {
        return region.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(name)
                .setSecretString(value).build())).getVersionId();
    }

    private static SecretMetadata describe(String name) {
        return region.withRetry(s -> s.describeSecret(DescribeSecretRequest.newBuilder().setSecretId(name).build()))
                .getSecret();
    }

    private static String value(String name) {
        return region.withRetry(s -> s.getSecretValue(GetSecretValueRequest.newBuilder().setSecretId(name).build()))
                .getSecretString();
    }

    private static List<String> stages(SecretMetadata secret, String versionId) {
        return secret.getVersionsList().stream().filter(v -> v.getVersionId().equals(versionId)).findFirst()
                .map(SecretVersionInfo::getVersionStagesList).orElseThrow();
    }
}
