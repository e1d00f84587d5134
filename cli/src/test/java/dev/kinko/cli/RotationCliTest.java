package dev.kinko.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.util.JsonFormat;
import dev.kinko.proto.v1.DescribeSecretResponse;
import dev.kinko.proto.v1.RotationInfo;
import dev.kinko.server.testing.TestRegion;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kinko secret rotate}, {@code cancel-rotation} and the rotation in {@code describe}, against one real region. */
class RotationCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestRegion region;

    @BeforeAll
    static void start() {
        region = TestRegion.start("tokyo", dir.resolve("region"));
    }

    @AfterAll
    static void stop() {
        region.close();
    }

    static CliRun kinko(String... args) {
        return CliRun.kinko(region, args);
    }

    static CliRun ok(String... args) {
        CliRun run = kinko(args);
        assertThat(run.code()).as(String.join(" ", args) + ": " + run.err()).isZero();
        return run;
    }

    @Test
    void scheduleRotateNowRescheduleAndCancel() throws Exception {
        String name = "cli/rotated";
        String original = "{\"username\":\"app\",\"password\":\"x\"}";
        ok("secret", "create", name, "--value", original);

        // a schedule alone: nothing rotates, the next date is set
        CliRun scheduled = ok("secret", "rotate", name, "--every-days", "30", "--window", "3h");
        assertThat(scheduled.out().lines()).singleElement().satisfies(l -> assertThat(l)
                .startsWith("automatic rotation of cli/rotated: every 30 days, window 3h, rotator password; next rotation 20"));
        String describe = ok("secret", "describe", name).out();
        assertThat(describe).contains("Rotation:       enabled\n", "Rotation rules: every 30 days, window 3h\n",
                "Rotator:        password\n").containsPattern("Next rotation:  \\d{4}-\\d\\d-\\d\\dT")
                .doesNotContain("Rotating:").doesNotContain("Last rotated:");
        assertThat(ok("secret", "get", name).out()).isEqualTo(original + "\n");

        // the rotation in -o json is the proto's RotationInfo
        DescribeSecretResponse.Builder described = DescribeSecretResponse.newBuilder();
        JsonFormat.parser().merge(ok("secret", "describe", name, "-o", "json").out(), described);
        RotationInfo info = described.getSecret().getRotation();
        assertThat(info.getRotationEnabled()).isTrue();
        assertThat(info.getRotationRules().getAutomaticallyAfterDays()).isEqualTo(30);
        assertThat(info.getRotationRules().getDuration()).isEqualTo("3h");
        assertThat(info.getRotator()).isEqualTo("password");
        assertThat(info.hasNextRotationDate()).isTrue();

        // now, with the shape of the new password; the rules stay
        CliRun now = ok("secret", "rotate", name, "--now", "--length", "20", "--exclude-punctuation");
        assertThat(now.out().lines().findFirst().orElseThrow())
                .matches("rotating cli/rotated: version [0-9a-f-]{36} is being created \\(PENDING until the rotation makes it CURRENT\\)");
        String version = now.out().lines().findFirst().orElseThrow().split(" ")[3];
        await().atMost(TestRegion.SETTLE).pollInterval(Duration.ofMillis(100))
                .until(() -> !kinko("secret", "get", name).out().equals(original + "\n"));
        String rotatedValue = ok("secret", "get", name).out();
        JsonNode rotated = JSON.readTree(rotatedValue);
        assertThat(rotated.get("username").asText()).isEqualTo("app");
        assertThat(rotated.get("password").asText()).hasSize(20).matches("[A-Za-z0-9]{20}");
        assertThat(ok("secret", "get", name, "--stage", "PREVIOUS").out()).isEqualTo(original + "\n");
        assertThat(ok("secret", "versions", name).out()).contains(version + "  ").containsPattern(version + "  .*CURRENT");
        describe = ok("secret", "describe", name).out();
        assertThat(describe).contains("Rotation:       enabled\n", "Rotation rules: every 30 days, window 3h\n")
                .containsPattern("Last rotated:   \\d{4}-").containsPattern("Next rotation:  \\d{4}-")
                .doesNotContain("Rotating:").doesNotContain("Rotation error:");

        // new rules: a schedule in hours
        CliRun rate = ok("secret", "rotate", name, "--schedule", "rate(6 hours)");
        assertThat(rate.out()).startsWith("automatic rotation of cli/rotated: rate(6 hours), rotator password; next rotation 20");
        assertThat(ok("secret", "describe", name).out()).contains("Rotation rules: rate(6 hours)\n");

        CliRun cancelled = ok("secret", "cancel-rotation", name);
        assertThat(cancelled.out()).isEqualTo("rotation of cli/rotated is off\n");
        describe = ok("secret", "describe", name).out();
        assertThat(describe).contains("Rotation:       disabled\n").doesNotContain("Next rotation:");
        assertThat(ok("secret", "get", name).out()).isEqualTo(rotatedValue);

        // a rotation with no rules given keeps the stored ones: after a cancel, their schedule is back on
        CliRun again = ok("secret", "rotate", name);
        assertThat(again.out()).startsWith("rotating cli/rotated: version ")
                .contains("automatic rotation of cli/rotated: rate(6 hours), rotator password; next rotation ");
        await().atMost(TestRegion.SETTLE).pollInterval(Duration.ofMillis(100))
                .until(() -> !kinko("secret", "get", name).out().equals(rotatedValue));
        assertThat(JSON.readTree(ok("secret", "get", name).out()).get("password").asText()).matches("[A-Za-z0-9]{20}");
        assertThat(ok("secret", "describe", name).out()).contains("Rotation:       enabled\n", "Rotation rules: rate(6 hours)\n");
    }

    @Test
    void invalidShapesAreRefusedWithTheReason() {
        ok("secret", "create", "cli/refused", "--value", "v");

        CliRun zero = kinko("secret", "rotate", "cli/refused", "--every-days", "0");
        assertThat(zero.code()).isEqualTo(KinkoCli.EXIT_USAGE);
        assertThat(zero.err()).startsWith("kinko: Error: --every-days must be 1-1000, got 0\n");

        CliRun both = kinko("secret", "rotate", "cli/refused", "--every-days", "30", "--schedule", "rate(6 hours)");
        assertThat(both.code()).isEqualTo(KinkoCli.EXIT_USAGE);
        assertThat(both.err()).contains("--every-days").contains("--schedule").contains("mutually exclusive");

        CliRun windowAlone = kinko("secret", "rotate", "cli/refused", "--window", "3h");
        assertThat(windowAlone.code()).isEqualTo(KinkoCli.EXIT_USAGE);
        assertThat(windowAlone.err()).startsWith("kinko: Error: --window goes with --every-days or --schedule\n");

        CliRun tooOften = kinko("secret", "rotate", "cli/refused", "--schedule", "rate(3 hours)");
        assertThat(tooOften.code()).isEqualTo(KinkoCli.EXIT_ERROR);
        assertThat(tooOften.err().lines()).singleElement().satisfies(l -> assertThat(l)
                .startsWith("kinko: INVALID_ROTATION_RULES: ").contains("rate(3 hours)").contains("4-"));

        CliRun tooMany = kinko("secret", "rotate", "cli/refused", "--every-days", "1001");
        assertThat(tooMany.code()).isEqualTo(KinkoCli.EXIT_ERROR);
        assertThat(tooMany.err()).startsWith("kinko: INVALID_ROTATION_RULES: automatically_after_days must be 1-1000");

        CliRun bogus = kinko("secret", "rotate", "cli/refused", "--rotator", "bogus");
        assertThat(bogus.code()).isEqualTo(KinkoCli.EXIT_ERROR);
        assertThat(bogus.err().lines()).singleElement().satisfies(l -> assertThat(l)
                .startsWith("kinko: UNKNOWN_ROTATOR: unknown rotator \"bogus\""));

        // nothing of it reached the secret
        assertThat(ok("secret", "describe", "cli/refused").out()).doesNotContain("Rotation");
        assertThat(ok("secret", "get", "cli/refused").out()).isEqualTo("v\n");
    }

    @Test
    void aFailedRotationShowsInDescribeAndIsClearedByCancel() {
        // a PostgreSQL secret whose server does not answer: setSecret fails on every attempt (3 in a TestRegion)
        String name = "cli/unreachable-db";
        String value = "{\"engine\":\"postgres\",\"host\":\"127.0.0.1\",\"port\":" + dev.kinko.server.testing.Ports.free()
                + ",\"username\":\"app\",\"password\":\"x\",\"dbname\":\"postgres\"}";
        ok("secret", "create", name, "--value", value);

        // scheduling alone first checks that the rotator can log in with CURRENT
        CliRun setup = kinko("secret", "rotate", name, "--rotator", "postgresql-single-user", "--schedule", "rate(1 day)");
        assertThat(setup.code()).isEqualTo(KinkoCli.EXIT_ERROR);
        assertThat(setup.err()).startsWith("kinko: ROTATION_SETUP_FAILED: rotator postgresql-single-user cannot rotate");

        ok("secret", "rotate", name, "--rotator", "postgresql-single-user");
        await().atMost(TestRegion.SETTLE).pollInterval(Duration.ofMillis(100))
                .until(() -> kinko("secret", "describe", name).out().contains("FAILED"));
        String describe = ok("secret", "describe", name).out();
        assertThat(describe).contains("Rotation:       disabled\n", "Rotator:        postgresql-single-user\n")
                .containsPattern("Rotating:       FAILED \\(version [0-9a-f-]{36}, step setSecret, after 3 attempts\\); "
                        + "no rotation starts until 'kinko secret cancel-rotation cli/unreachable-db'\n")
                .containsPattern("Rotation error: setSecret: .+\n");
        String pending = describe.lines().filter(l -> l.startsWith("Rotating:")).findFirst().orElseThrow()
                .replaceAll(".*version ([0-9a-f-]{36}).*", "$1");
        assertThat(describe).containsPattern(pending + "  .*  PENDING\n");
        assertThat(ok("secret", "get", name).out()).isEqualTo(value + "\n");

        CliRun again = kinko("secret", "rotate", name);
        assertThat(again.code()).isEqualTo(KinkoCli.EXIT_ERROR);
        assertThat(again.err()).startsWith("kinko: ROTATION_FAILED: ");

        CliRun cancelled = ok("secret", "cancel-rotation", name);
        assertThat(cancelled.out()).isEqualTo("rotation of " + name + " is off; version " + pending + " is no longer PENDING\n");
        describe = ok("secret", "describe", name).out();
        assertThat(describe).contains("Rotation:       disabled\n").doesNotContain("Rotating:").doesNotContain("Rotation error:")
                .doesNotContain("PENDING");
    }
}
