package dev.kinko.server.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The published limits; a change here is an API change and must be deliberate. */
class LimitsTest {
    @Test
    void limitsHaveThePublishedValues() {
        assertThat(Limits.MAX_VALUE_BYTES).isEqualTo(65_536);
        assertThat(Limits.MAX_NAME_LENGTH).isEqualTo(512);
        assertThat(Limits.MIN_TOKEN_LENGTH).isEqualTo(32);
        assertThat(Limits.MAX_TOKEN_LENGTH).isEqualTo(64);
        assertThat(Limits.MAX_LABELS_PER_VERSION).isEqualTo(20);
        assertThat(Limits.MAX_LABEL_LENGTH).isEqualTo(256);
        assertThat(Limits.MAX_DESCRIPTION_LENGTH).isEqualTo(2_048);
        assertThat(Limits.MAX_VERSIONS).isEqualTo(100);
        assertThat(Limits.MAX_PAGE_SIZE).isEqualTo(100);
        assertThat(Limits.MAX_TAGS).isEqualTo(50);
        assertThat(Limits.MAX_TAG_KEY_LENGTH).isEqualTo(128);
        assertThat(Limits.MAX_TAG_VALUE_LENGTH).isEqualTo(256);
        assertThat(Limits.MIN_RECOVERY_WINDOW_DAYS).isEqualTo(7);
        assertThat(Limits.MAX_RECOVERY_WINDOW_DAYS).isEqualTo(30);
        assertThat(Limits.DEFAULT_RECOVERY_WINDOW_DAYS).isEqualTo(30);
        assertThat(Limits.MAX_PASSWORD_LENGTH).isEqualTo(4_096);
        assertThat(Limits.DEFAULT_PASSWORD_LENGTH).isEqualTo(32);
        assertThat(Limits.MAX_POLICY_BYTES).isEqualTo(20_480);
        assertThat(Limits.MAX_POLICY_STATEMENTS).isEqualTo(100);
        assertThat(Limits.MAX_POLICY_NAME_LENGTH).isEqualTo(128);
    }

    @Test
    void defaultsLieWithinTheirRanges() {
        assertThat(Limits.DEFAULT_RECOVERY_WINDOW_DAYS)
                .isBetween(Limits.MIN_RECOVERY_WINDOW_DAYS, Limits.MAX_RECOVERY_WINDOW_DAYS);
        assertThat(Limits.DEFAULT_PASSWORD_LENGTH).isBetween(1, Limits.MAX_PASSWORD_LENGTH);
        assertThat(Limits.MIN_TOKEN_LENGTH).isLessThanOrEqualTo(Limits.MAX_TOKEN_LENGTH);
    }
}
