package dev.kinko.server.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kinko.server.testing.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A jump of a node's wall clock (issue 10: clock jumps on one node) does nothing unsafe. */
class JumpSafeClockTest {
    private static final long HOURS_2 = Duration.ofHours(2).toMillis();
    private static final long SLACK = JumpSafeClock.JUMP_TOLERANCE_MILLIS + 1_000;

    @Test
    void commandStampsNeverGoBackwardsWhenTheClockJumpsBack() {
        MutableClock clock = new MutableClock();
        JumpSafeClock leader = new JumpSafeClock(clock);
        long before = leader.stamp();
        clock.jump(Duration.ofHours(-2));
        long during = leader.stamp();
        assertThat(during).as("no stamp 2 h before the last").isEqualTo(before);
        clock.jump(Duration.ofHours(2)); // back in step: stamps move on with the clock
        clock.advance(Duration.ofSeconds(1));
        assertThat(leader.stamp()).isGreaterThan(during).isLessThanOrEqualTo(clock.millis());
    }

    @Test
    void aForwardJumpDoesNotHastenHousekeepingButTimePassingDoes() {
        MutableClock clock = new MutableClock();
        JumpSafeClock leader = new JumpSafeClock(clock);
        long start = leader.housekeepingNow();
        clock.jump(Duration.ofHours(2));
        long jumped = leader.housekeepingNow();
        assertThat(jumped).as("a purge decided now must not see the 2 h").isLessThan(start + SLACK);
        // the command stamps do take the new time (a later deletion date is the safe side)
        assertThat(leader.stamp()).isGreaterThanOrEqualTo(start + HOURS_2);

        clock.jump(Duration.ofHours(-2)); // the jump is undone: housekeeping follows the clock again
        assertThat(leader.housekeepingNow()).isBetween(jumped, clock.millis());

        clock.advance(Duration.ofDays(8)); // days really pass (monotonic time with them): followed
        assertThat(leader.housekeepingNow()).isGreaterThanOrEqualTo(start + Duration.ofDays(8).toMillis());
    }

    @Test
    void aBackwardJumpOnlyDelaysHousekeeping() {
        MutableClock clock = new MutableClock();
        JumpSafeClock leader = new JumpSafeClock(clock);
        long start = leader.housekeepingNow();
        clock.jump(Duration.ofHours(-2));
        assertThat(leader.housekeepingNow()).isLessThanOrEqualTo(start - HOURS_2 + SLACK);
    }

    @Test
    void aBackwardJumpKeepsNoExpiredTokenAliveAndAForwardOneIsFollowed() {
        MutableClock clock = new MutableClock();
        JumpSafeClock node = new JumpSafeClock(clock);
        long start = node.expiryNow();
        clock.jump(Duration.ofHours(-2));
        assertThat(node.expiryNow()).as("a token that expired a minute ago stays expired")
                .isGreaterThanOrEqualTo(start);
        clock.jump(Duration.ofHours(2));
        clock.jump(Duration.ofHours(3)); // ahead: tokens expire early on this node, the safe side
        assertThat(node.expiryNow()).isGreaterThanOrEqualTo(start + Duration.ofHours(3).toMillis());
    }

    @Test
    void aStepThatStaysIsFollowedSlowly() {
        MutableClock clock = new MutableClock();
        JumpSafeClock node = new JumpSafeClock(clock);
        long start = node.housekeepingNow();
        clock.jump(Duration.ofHours(1)); // NTP fixes a clock that was an hour slow, say
        clock.advance(Duration.ofHours(50));
        long halfway = node.housekeepingNow();
        assertThat(halfway).as("1 %% of 50 h closed").isBetween(start + Duration.ofMinutes(50 * 60 + 29).toMillis(),
                start + Duration.ofMinutes(50 * 60 + 31).toMillis() + SLACK);
        clock.advance(Duration.ofHours(60));
        long now = node.housekeepingNow();
        assertThat(now).as("in step again").isBetween(clock.millis() - SLACK, clock.millis());
    }
}
