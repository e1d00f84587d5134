package dev.kinko.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kinko.client.RegionHealth.Turn;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RegionHealthTest {
    static final Duration COOL_OFF = Duration.ofSeconds(10);
    static final Duration ONE_NANO = Duration.ofNanos(1);

    final MutableClock clock = new MutableClock();
    final RegionHealth health = new RegionHealth(COOL_OFF, clock);

    @Test
    void aRegionNeverMarkedDownIsTried() {
        assertThat(health.turn("tokyo")).isEqualTo(Turn.TRY);
        assertThat(health.isDown("tokyo")).isFalse();
    }

    @Test
    void aDownRegionRestsUntilJustBeforeTheCoolOffEnds() {
        health.markDown("tokyo");
        clock.advance(COOL_OFF.minus(ONE_NANO));
        assertThat(health.isDown("tokyo")).isTrue();
        assertThat(health.turn("tokyo")).isEqualTo(Turn.REST);
        assertThat(health.turn("osaka")).isEqualTo(Turn.TRY); // only the region that failed rests
    }

    @Test
    void exactlyAtTheEndOfTheCoolOffOneReadProbesAndTheOthersKeepResting() {
        health.markDown("tokyo");
        clock.advance(COOL_OFF);
        assertThat(health.isDown("tokyo")).isFalse();
        assertThat(health.turn("tokyo")).isEqualTo(Turn.PROBE);
        assertThat(health.turn("tokyo")).isEqualTo(Turn.REST); // the probe is claimed

        health.markUp("tokyo"); // the probe got an answer
        assertThat(health.turn("tokyo")).isEqualTo(Turn.TRY);
        assertThat(health.isDown("tokyo")).isFalse();
    }

    @Test
    void onePastTheCoolOffTheRegionIsProbed() {
        health.markDown("tokyo");
        clock.advance(COOL_OFF.plus(ONE_NANO));
        assertThat(health.isDown("tokyo")).isFalse();
        assertThat(health.turn("tokyo")).isEqualTo(Turn.PROBE);
    }

    @Test
    void aFailedProbeRestsTheRegionForAFullCoolOffFromTheFailure() {
        health.markDown("tokyo");
        clock.advance(COOL_OFF);
        assertThat(health.turn("tokyo")).isEqualTo(Turn.PROBE);
        clock.advance(Duration.ofSeconds(3)); // the probe pays the retries
        health.markDown("tokyo");

        clock.advance(COOL_OFF.minus(ONE_NANO));
        assertThat(health.turn("tokyo")).isEqualTo(Turn.REST);
        clock.advance(ONE_NANO);
        assertThat(health.turn("tokyo")).isEqualTo(Turn.PROBE);
    }

    @Test
    void aProbeThatNeverReportsIsClaimedAgainAfterAnotherCoolOff() {
        health.markDown("tokyo");
        clock.advance(COOL_OFF);
        assertThat(health.turn("tokyo")).isEqualTo(Turn.PROBE);
        clock.advance(COOL_OFF.minus(ONE_NANO));
        assertThat(health.turn("tokyo")).isEqualTo(Turn.REST);
        clock.advance(ONE_NANO);
        assertThat(health.turn("tokyo")).isEqualTo(Turn.PROBE);
    }

    @Test
    void aZeroCoolOffNeverRests() {
        RegionHealth eager = new RegionHealth(Duration.ZERO, clock);
        eager.markDown("tokyo");
        assertThat(eager.isDown("tokyo")).isFalse();
        assertThat(eager.turn("tokyo")).isEqualTo(Turn.PROBE);
        assertThat(eager.turn("tokyo")).isEqualTo(Turn.PROBE);
    }

    @Test
    void aNegativeCoolOffIsRefused() {
        assertThatThrownBy(() -> new RegionHealth(Duration.ofSeconds(-1), clock))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KinkoClient.builder().region("tokyo", "127.0.0.1:1")
                .regionCoolOff(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cool-off");
    }
}
