package dev.kinko.server.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every limit at its edge and one past it; refusals name the rule and never quote the value. */
class ValidationTest {

    /** Asserts the refusal's reason, that the message names the rule, and that it does not quote {@code value}. */
    private static KinkoException refused(Runnable check, Reason reason, String rule, String value) {
        KinkoException e = catchThrowableOfType(KinkoException.class, check::run);
        assertThat(e).as("expected a KinkoException").isNotNull();
        assertThat(e.reason()).isEqualTo(reason);
        assertThat(e.getMessage()).contains(rule);
        if (value != null && !value.isEmpty()) {
            assertThat(e.getMessage()).doesNotContain(value);
        }
        return e;
    }

    private static KinkoException refused(Runnable check, Reason reason, String rule) {
        return refused(check, reason, rule, null);
    }

    private static String repeat(char c, int n) {
        return String.valueOf(c).repeat(n);
    }

    @Nested
    class Names {
        @Test
        void acceptsOneToMaxCharacters() {
            assertThatCode(() -> Validation.name("a")).doesNotThrowAnyException();
            assertThatCode(() -> Validation.name(repeat('n', Limits.MAX_NAME_LENGTH))).doesNotThrowAnyException();
            assertThatCode(() -> Validation.name("prod/db/pass_word+x=y.z@team-1")).doesNotThrowAnyException();
        }

        @Test
        void refusesOnePastMax() {
            String name = repeat('n', Limits.MAX_NAME_LENGTH + 1);
            refused(() -> Validation.name(name), Reason.INVALID_NAME, "secret name", name);
        }

        @Test
        void refusesEmpty() {
            refused(() -> Validation.name(""), Reason.INVALID_NAME, "secret name");
        }

        @ParameterizedTest
        @ValueSource(strings = {"prod db", "prod#db", "prod\\db", "名前", "tab\there", "new\nline", "a*b", "a:b"})
        void refusesBadCharacters(String name) {
            refused(() -> Validation.name(name), Reason.INVALID_NAME, "secret name", name);
        }

        @Test
        void secretIdFollowsTheNameRules() {
            assertThatCode(() -> Validation.secretId(repeat('i', Limits.MAX_NAME_LENGTH))).doesNotThrowAnyException();
            String tooLong = repeat('i', Limits.MAX_NAME_LENGTH + 1);
            refused(() -> Validation.secretId(tooLong), Reason.INVALID_SECRET_ID, "secret_id", tooLong);
            refused(() -> Validation.secretId(""), Reason.INVALID_SECRET_ID, "secret_id");
            refused(() -> Validation.secretId("has space"), Reason.INVALID_SECRET_ID, "secret_id", "has space");
        }
    }

    @Nested
    class Tokens {
        @Test
        void acceptsEmptyAsNodeGenerated() {
            assertThatCode(() -> Validation.token("")).doesNotThrowAnyException();
        }

        @Test
        void acceptsMinAndMaxLength() {
            assertThatCode(() -> Validation.token(repeat('t', Limits.MIN_TOKEN_LENGTH))).doesNotThrowAnyException();
            assertThatCode(() -> Validation.token(repeat('t', Limits.MAX_TOKEN_LENGTH))).doesNotThrowAnyException();
            assertThatCode(() -> Validation.token("0123456789abcdefABCDEF-_0123456789")).doesNotThrowAnyException();
        }

        @Test
        void refusesOneBelowMin() {
            String token = repeat('t', Limits.MIN_TOKEN_LENGTH - 1);
            refused(() -> Validation.token(token), Reason.INVALID_TOKEN, "client_request_token", token);
        }

        @Test
        void refusesOnePastMax() {
            String token = repeat('t', Limits.MAX_TOKEN_LENGTH + 1);
            refused(() -> Validation.token(token), Reason.INVALID_TOKEN, "client_request_token", token);
        }

        @ParameterizedTest
        @ValueSource(strings = {".", "/", " ", "+", "=", "é"})
        void refusesBadCharacters(String bad) {
            String token = repeat('t', Limits.MIN_TOKEN_LENGTH - 1) + bad;
            refused(() -> Validation.token(token), Reason.INVALID_TOKEN, "client_request_token", token);
        }

        @Test
        void versionIdHasTheTokenShape() {
            assertThatCode(() -> Validation.versionId("move_to_version_id", "v1")).doesNotThrowAnyException();
            assertThatCode(() -> Validation.versionId("f", repeat('v', Limits.MAX_TOKEN_LENGTH)))
                    .doesNotThrowAnyException();
            String tooLong = repeat('v', Limits.MAX_TOKEN_LENGTH + 1);
            refused(() -> Validation.versionId("move_to_version_id", tooLong), Reason.VERSION_NOT_FOUND,
                    "move_to_version_id", tooLong);
            refused(() -> Validation.versionId("version_id", ""), Reason.VERSION_NOT_FOUND, "version_id");
            refused(() -> Validation.versionId("version_id", "v 1"), Reason.VERSION_NOT_FOUND, "version_id", "v 1");
        }
    }

    @Nested
    class Values {
        @Test
        void acceptsOneByteAndMax() {
            assertThatCode(() -> Validation.value(new byte[1])).doesNotThrowAnyException();
            assertThatCode(() -> Validation.value(new byte[Limits.MAX_VALUE_BYTES])).doesNotThrowAnyException();
        }

        @Test
        void refusesOnePastMax() {
            byte[] value = new byte[Limits.MAX_VALUE_BYTES + 1];
            Arrays.fill(value, (byte) 'v');
            refused(() -> Validation.value(value), Reason.VALUE_TOO_LARGE, "secret value",
                    new String(value, StandardCharsets.UTF_8));
        }

        @Test
        void refusesEmpty() {
            refused(() -> Validation.value(new byte[0]), Reason.EMPTY_VALUE, "secret value");
        }

        @Test
        void measuresStringsAsUtf8Bytes() {
            // 'é' is two bytes in UTF-8: MAX_VALUE_BYTES/2 + 1 characters exceed the limit
            byte[] bytes = "é".repeat(Limits.MAX_VALUE_BYTES / 2 + 1).getBytes(StandardCharsets.UTF_8);
            refused(() -> Validation.value(bytes), Reason.VALUE_TOO_LARGE, "secret value");
            byte[] edge = "é".repeat(Limits.MAX_VALUE_BYTES / 2).getBytes(StandardCharsets.UTF_8);
            assertThatCode(() -> Validation.value(edge)).doesNotThrowAnyException();
        }
    }

    @Nested
    class Labels {
        private List<String> labels(int n) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add("STAGE_" + i);
            }
            return out;
        }

        @Test
        void acceptsMaxLabels() {
            assertThatCode(() -> Validation.labels(labels(Limits.MAX_LABELS_PER_VERSION))).doesNotThrowAnyException();
            assertThatCode(() -> Validation.labels(List.of())).doesNotThrowAnyException();
        }

        @Test
        void refusesOneLabelPastMax() {
            List<String> labels = labels(Limits.MAX_LABELS_PER_VERSION + 1);
            KinkoException e = refused(() -> Validation.labels(labels), Reason.TOO_MANY_LABELS, "stage labels");
            labels.forEach(l -> assertThat(e.getMessage()).doesNotContain(l));
        }

        @Test
        void acceptsLabelOfMaxLength() {
            assertThatCode(() -> Validation.label(repeat('l', Limits.MAX_LABEL_LENGTH))).doesNotThrowAnyException();
            assertThatCode(() -> Validation.label("team:x/y_z+1=2.3@4-5")).doesNotThrowAnyException();
        }

        @Test
        void refusesLabelOnePastMaxLength() {
            String label = repeat('l', Limits.MAX_LABEL_LENGTH + 1);
            refused(() -> Validation.label(label), Reason.INVALID_LABEL, "stage label", label);
            refused(() -> Validation.labels(List.of(label)), Reason.INVALID_LABEL, "stage label", label);
        }

        @Test
        void refusesEmptyLabel() {
            refused(() -> Validation.label(""), Reason.INVALID_LABEL, "stage label");
        }

        @ParameterizedTest
        @ValueSource(strings = {"with space", "hash#", "star*", "ü"})
        void refusesLabelWithBadCharacters(String label) {
            refused(() -> Validation.label(label), Reason.INVALID_LABEL, "stage label", label);
        }

        @Test
        void refusesDuplicateLabel() {
            refused(() -> Validation.labels(List.of("STAGE_DUP", "OTHER", "STAGE_DUP")), Reason.INVALID_LABEL, "twice");
        }

        @Test
        void duplicateLabelMessageDoesNotQuoteTheLabel() {
            refused(() -> Validation.labels(List.of("STAGE_DUP", "STAGE_DUP")), Reason.INVALID_LABEL, "twice",
                    "STAGE_DUP");
        }
    }

    @Nested
    class Descriptions {
        @Test
        void acceptsEmptyAndMax() {
            assertThatCode(() -> Validation.description("")).doesNotThrowAnyException();
            assertThatCode(() -> Validation.description(repeat('d', Limits.MAX_DESCRIPTION_LENGTH)))
                    .doesNotThrowAnyException();
        }

        @Test
        void refusesOnePastMax() {
            String description = repeat('d', Limits.MAX_DESCRIPTION_LENGTH + 1);
            refused(() -> Validation.description(description), Reason.INVALID_DESCRIPTION, "description", description);
        }

        @Test
        void refusesControlCharacters() {
            refused(() -> Validation.description("line\u0000break"), Reason.INVALID_DESCRIPTION, "control",
                    "line\u0000break");
        }
    }

    @Nested
    class Tags {
        private Map<String, String> tags(int n) {
            Map<String, String> out = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                out.put("key" + i, "value" + i);
            }
            return out;
        }

        @Test
        void acceptsMaxTags() {
            assertThatCode(() -> Validation.tags(tags(Limits.MAX_TAGS))).doesNotThrowAnyException();
        }

        @Test
        void refusesOneTagPastMax() {
            Map<String, String> tags = tags(Limits.MAX_TAGS + 1);
            KinkoException e = refused(() -> Validation.tags(tags), Reason.TOO_MANY_TAGS, "tags");
            assertThat(e.getMessage()).doesNotContain("key0").doesNotContain("value0");
        }

        @Test
        void tagKeyAtMaxAndOnePast() {
            assertThatCode(() -> Validation.tags(Map.of(repeat('k', Limits.MAX_TAG_KEY_LENGTH), "v")))
                    .doesNotThrowAnyException();
            String key = repeat('k', Limits.MAX_TAG_KEY_LENGTH + 1);
            refused(() -> Validation.tags(Map.of(key, "v")), Reason.INVALID_TAG, "tag key", key);
            refused(() -> Validation.tagKey(key), Reason.INVALID_TAG, "tag key", key);
        }

        @Test
        void refusesEmptyTagKey() {
            refused(() -> Validation.tagKey(""), Reason.INVALID_TAG, "tag key");
        }

        @Test
        void tagValueAtMaxAndOnePast() {
            assertThatCode(() -> Validation.tags(Map.of("k", repeat('v', Limits.MAX_TAG_VALUE_LENGTH))))
                    .doesNotThrowAnyException();
            assertThatCode(() -> Validation.tags(Map.of("k", ""))).doesNotThrowAnyException();
            String value = repeat('v', Limits.MAX_TAG_VALUE_LENGTH + 1);
            refused(() -> Validation.tags(Map.of("k", value)), Reason.INVALID_TAG, "tag value", value);
        }

        @Test
        void refusesControlCharactersInKeyOrValue() {
            refused(() -> Validation.tags(Map.of("k\u0007", "v")), Reason.INVALID_TAG, "tag key", "k\u0007");
            refused(() -> Validation.tags(Map.of("k", "v\u0007x")), Reason.INVALID_TAG, "tag value", "v\u0007x");
        }
    }

    @Nested
    class PageSizes {
        @Test
        void zeroMeansMax() {
            assertThat(Validation.pageSize(0)).isEqualTo(Limits.MAX_PAGE_SIZE);
        }

        @Test
        void acceptsOneToMax() {
            assertThat(Validation.pageSize(1)).isEqualTo(1);
            assertThat(Validation.pageSize(Limits.MAX_PAGE_SIZE)).isEqualTo(Limits.MAX_PAGE_SIZE);
        }

        @ParameterizedTest
        @ValueSource(ints = {Limits.MAX_PAGE_SIZE + 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE})
        void refusesOutOfRange(int size) {
            refused(() -> Validation.pageSize(size), Reason.INVALID_PAGE_SIZE, "page_size");
        }
    }

    @Nested
    class RecoveryWindows {
        @Test
        void zeroMeansDefault() {
            assertThat(Validation.recoveryWindowDays(0)).isEqualTo(Limits.DEFAULT_RECOVERY_WINDOW_DAYS).isEqualTo(30);
        }

        @Test
        void acceptsMinAndMax() {
            assertThat(Validation.recoveryWindowDays(Limits.MIN_RECOVERY_WINDOW_DAYS)).isEqualTo(7);
            assertThat(Validation.recoveryWindowDays(Limits.MAX_RECOVERY_WINDOW_DAYS)).isEqualTo(30);
        }

        @ParameterizedTest
        @ValueSource(ints = {Limits.MIN_RECOVERY_WINDOW_DAYS - 1, Limits.MAX_RECOVERY_WINDOW_DAYS + 1, -1, 1})
        void refusesOutOfRange(int days) {
            refused(() -> Validation.recoveryWindowDays(days), Reason.INVALID_RECOVERY_WINDOW,
                    "recovery_window_in_days");
        }
    }
}
