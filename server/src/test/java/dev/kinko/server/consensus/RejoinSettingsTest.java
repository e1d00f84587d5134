package dev.kinko.server.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.retry.MultipleLinearRandomRetry;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Raft settings behind a prompt rejoin (issue 10): a leader keeps trying a member it cannot
 * reach at short intervals however long the member was down, and a started node votes early.
 * (Ratis's default appender policy waits 5 s between attempts after about 20 s of failures, so a
 * follower restarted after a longer outage waited seconds for its first append; a cluster test
 * that shows that needs over 20 s of downtime, too long for the suite: the robustness suite's
 * kill faults time the rejoin of real processes.)
 */
class RejoinSettingsTest {
    @TempDir
    Path dir;

    private RaftProperties properties() {
        return RaftNode.properties(dir, new RegionMember("tokyo-1", "127.0.0.1:9101", "127.0.0.1:8101"),
                RaftSettings.defaults());
    }

    @Test
    void theLeaderRetriesAnUnreachableMemberWithinHalfASecondHoweverLongItWasDown() {
        RetryPolicy policy = MultipleLinearRandomRetry.parseCommaSeparated(
                RaftServerConfigKeys.Log.Appender.retryPolicy(properties()));
        for (int attempt : new int[] {1, 10, 11, 30, 31, 100, 1_000, 100_000, 10_000_000}) {
            for (int sample = 0; sample < 20; sample++) {
                RetryPolicy.Action action = policy.handleAttemptFailure(() -> attempt);
                assertThat(action.shouldRetry()).as("attempt %d", attempt).isTrue();
                assertThat(action.getSleepTime().toLong(java.util.concurrent.TimeUnit.MILLISECONDS))
                        .as("wait after failed attempt %d", attempt).isLessThanOrEqualTo(500);
            }
        }
    }

    @Test
    void aStartedNodeVotesEarlyButOnlyAfterAPreVote() {
        RaftProperties p = properties();
        assertThat(RaftServerConfigKeys.Rpc.firstElectionTimeoutMax(p).toLong(java.util.concurrent.TimeUnit.MILLISECONDS))
                .isLessThan(RaftSettings.DEFAULT_ELECTION_TIMEOUT_MIN.toMillis());
        assertThat(RaftServerConfigKeys.LeaderElection.preVote(p)).isTrue();
    }
}
