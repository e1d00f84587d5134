package dev.kinko.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InstantTextTest {
    private static void sameAsInstantToString(Instant t) {
        assertThat(InstantText.of(t)).as("%s", t).isEqualTo(t.toString());
    }

    @Test
    void everyFractionWritesAsInstantToStringDoes() {
        long second = 1_796_284_800L; // 2026-12-03T08:00:00Z
        for (int nanos : new int[] {0, 1, 7, 999, 1_000, 1_500, 999_000, 1_000_000, 10_000_000, 100_000_000,
                120_000_000, 123_000_000, 123_400_000, 123_456_000, 123_456_700, 123_456_789, 999_999_999}) {
            sameAsInstantToString(Instant.ofEpochSecond(second, nanos));
        }
    }

    @Test
    void theSecondsTextFollowsTheClockAndBothEndsOfTheFastPath() {
        List<Instant> times = new ArrayList<>(List.of(
                Instant.EPOCH, Instant.ofEpochSecond(-1, 500_000_000),
                Instant.ofEpochSecond(InstantText.MIN_SECOND), Instant.ofEpochSecond(InstantText.MIN_SECOND - 1, 1_000_000),
                Instant.ofEpochSecond(InstantText.MAX_SECOND, 999_000_000), Instant.ofEpochSecond(InstantText.MAX_SECOND + 1),
                Instant.MIN, Instant.MAX, Instant.parse("2024-02-29T23:59:59.999Z"), Instant.parse("2024-03-01T00:00:00Z")));
        Random random = new Random(13);
        for (int i = 0; i < 10_000; i++) {
            // now and then the same second twice, so the kept text is used as well as replaced
            long second = random.nextBoolean() ? 1_796_284_800L + random.nextInt(3)
                    : random.nextLong(InstantText.MIN_SECOND - 10, InstantText.MAX_SECOND + 10);
            int nanos = switch (random.nextInt(4)) {
                case 0 -> 0;
                case 1 -> random.nextInt(1_000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1_000;
                default -> random.nextInt(1_000_000_000);
            };
            times.add(Instant.ofEpochSecond(second, nanos));
        }
        times.forEach(InstantTextTest::sameAsInstantToString);
    }
}
