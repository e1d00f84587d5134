package dev.kinko.robustness;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The suite's short run in {@code mvn -B verify}: two regions of node processes from the packaged
 * kinko.jar, about 60 s of faults (each kind once), then the checks. ops/robustness/run.sh runs it long.
 */
class RobustnessIT {
    static final Duration FAULTS = Duration.ofSeconds(Integer.getInteger("robustness.seconds", 60));
    /** Kill follower, leader, minority, region; pause; two partitions; full disk; clock jump. */
    static final int FAULT_KINDS = 9;

    @Test
    @Timeout(value = 20, unit = java.util.concurrent.TimeUnit.MINUTES) // about 3 min on an idle machine; over 10 min on this one at load 40-55
    void faultsLoseNothingAndEveryErrorIsDocumented() throws Exception {
        Path jar = Path.of(System.getProperty("kinko.jar", "../../cli/target/kinko.jar"));
        Path results = Path.of(System.getProperty("robustness.results", "target/robustness"),
                LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        RobustnessRun.Result r = new RobustnessRun(jar.toAbsolutePath(), results.toAbsolutePath(), FAULTS).run();

        assertThat(r.acked()).as("acknowledged writes (summary in %s)", results).isPositive();
        assertThat(r.lost()).as("lost acknowledged writes\n%s", r.checks()).isZero();
        assertThat(r.notLinearizable()).as("keys not linearizable\n%s", r.checks()).isZero();
        assertThat(r.budgetExceeded()).as("keys the checker could not decide\n%s", r.checks()).isZero();
        assertThat(r.undocumented()).as("errors outside DocumentedErrors.REASONS\n%s", r.checks()).isEmpty();
        assertThat(r.converged()).as("osaka equal to tokyo after healing\n%s", r.checks()).isTrue();
        assertThat(r.skipped()).as("faults skipped (no root? no gcc?)").isEmpty();
        assertThat(r.snapshotsTaken()).as("snapshots taken during the faults (Cluster.RAFT_CONFIG)").isPositive();
        assertThat(r.faultLines()).as("a fault that could not be injected or healed").noneMatch(l -> l.contains(" ERROR "));
        assertThat(r.faultLines()).as("each of the %d fault kinds ran once (a header line first)", FAULT_KINDS)
                .hasSizeGreaterThanOrEqualTo(FAULT_KINDS + 1);
    }
}
