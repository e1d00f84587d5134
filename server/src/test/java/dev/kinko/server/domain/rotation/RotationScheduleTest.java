package dev.kinko.server.domain.rotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kinko.proto.v1.RotationRules;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.rotation.RotationSchedule.Window;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RotationRules checked as AWS does, and the windows they give, all at fixed instants (UTC). */
class RotationScheduleTest {
    static final RotationSchedule EVERY_30_DAYS = afterDays(30, "");
    static final long MID_JANUARY = t("2024-01-10T15:30:00Z");
    static final long RATE_BASE = t("2024-01-01T10:17:00Z");
    static final Window HOUR_WINDOW = window("2024-01-01T10:00:00Z", "2024-01-01T11:00:00Z");

    static long t(String iso) {
        return Instant.parse(iso).toEpochMilli();
    }

    static Window window(String start, String end) {
        return new Window(t(start), t(end));
    }

    static RotationSchedule afterDays(int days, String duration) {
        return RotationSchedule.parse(RotationRules.newBuilder().setAutomaticallyAfterDays(days)
                .setDuration(duration).build());
    }

    static RotationSchedule schedule(String expression) {
        return schedule(expression, "");
    }

    static RotationSchedule schedule(String expression, String duration) {
        return RotationSchedule.parse(RotationRules.newBuilder().setScheduleExpression(expression)
                .setDuration(duration).build());
    }

    /** Refused with INVALID_ROTATION_RULES and a message holding every fragment. */
    static void refused(RotationRules rules, String... fragments) {
        assertThatThrownBy(() -> RotationSchedule.parse(rules))
                .isInstanceOfSatisfying(KinkoException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.INVALID_ROTATION_RULES);
                    assertThat(e.getMessage()).contains(fragments);
                });
    }

    static void refusedExpression(String expression, String... fragments) {
        refused(RotationRules.newBuilder().setScheduleExpression(expression).build(), fragments);
    }

    static void refusedWithDuration(String expression, String duration, String... fragments) {
        refused(RotationRules.newBuilder().setScheduleExpression(expression).setDuration(duration).build(), fragments);
    }

    @Test
    void startsAtMidnightUtcOfTheBaseDatePlusNAndLastsTheDay() {
        assertThat(EVERY_30_DAYS.inDays()).isTrue();
        assertThat(EVERY_30_DAYS.window()).isEqualTo(Duration.ofHours(24));
        assertThat(EVERY_30_DAYS.nextWindow(MID_JANUARY, MID_JANUARY))
                .isEqualTo(window("2024-02-09T00:00:00Z", "2024-02-10T00:00:00Z"));
    }

    @Test
    void explicitDurationShortensTheWindow() {
        RotationSchedule s = afterDays(30, "3h");
        assertThat(s.window()).isEqualTo(Duration.ofHours(3));
        assertThat(s.nextWindow(MID_JANUARY, MID_JANUARY))
                .isEqualTo(window("2024-02-09T00:00:00Z", "2024-02-09T03:00:00Z"));
    }

    @Test
    void overdueStartsNowWithinTheRestOfTheWindow() {
        assertThat(EVERY_30_DAYS.nextWindow(MID_JANUARY, t("2024-02-09T10:00:00Z")))
                .isEqualTo(window("2024-02-09T10:00:00Z", "2024-02-10T00:00:00Z"));
    }

    @Test
    void aWindowThatHasEndedIsSkipped() {
        // ends at exactly now: over
        assertThat(EVERY_30_DAYS.nextWindow(MID_JANUARY, t("2024-02-10T00:00:00Z")))
                .isEqualTo(window("2024-03-10T00:00:00Z", "2024-03-11T00:00:00Z"));
        assertThat(EVERY_30_DAYS.nextWindow(MID_JANUARY, t("2024-02-09T23:59:59.999Z")))
                .isEqualTo(window("2024-02-09T23:59:59.999Z", "2024-02-10T00:00:00Z"));
    }

    @Test
    void aFarPastBaseJumpsToTheCurrentWindow() {
        assertThat(afterDays(7, "").nextWindow(t("2000-01-01T12:00:00Z"), t("2024-06-15T12:00:00Z")))
                .isEqualTo(window("2024-06-15T12:00:00Z", "2024-06-16T00:00:00Z"));
    }

    @Test
    void afterDaysLimits() {
        refused(RotationRules.newBuilder().setAutomaticallyAfterDays(0).build(), "exactly one", "neither");
        assertThat(afterDays(RotationSchedule.MIN_AFTER_DAYS, "").nextWindow(MID_JANUARY, MID_JANUARY))
                .isEqualTo(window("2024-01-11T00:00:00Z", "2024-01-12T00:00:00Z"));
        assertThat(afterDays(RotationSchedule.MAX_AFTER_DAYS, "").inDays()).isTrue();
        refused(RotationRules.newBuilder().setAutomaticallyAfterDays(1001).build(),
                "automatically_after_days must be 1-1000, got 1001");
        refused(RotationRules.newBuilder().setAutomaticallyAfterDays(-5).build(), "automatically_after_days", "-5");
    }

    @Test
    void notTogetherWithAnExpression() {
        refused(RotationRules.newBuilder().setAutomaticallyAfterDays(5).setScheduleExpression("rate(5 days)").build(),
                "exactly one of automatically_after_days and schedule_expression", "both", "\"rate(5 days)\"");
    }

    @Test
    void hoursStartNHoursAfterTheBaseWithAnHourWindow() {
        RotationSchedule s = schedule("rate(4 hours)");
        assertThat(s.inDays()).isFalse();
        assertThat(s.window()).isEqualTo(Duration.ofHours(1));
        assertThat(s.nextWindow(RATE_BASE, RATE_BASE))
                .isEqualTo(window("2024-01-01T14:17:00Z", "2024-01-01T15:17:00Z"));
        assertThat(s.nextWindow(RATE_BASE, t("2024-01-01T14:47:00Z")))
                .isEqualTo(window("2024-01-01T14:47:00Z", "2024-01-01T15:17:00Z"));
        assertThat(s.nextWindow(RATE_BASE, t("2024-01-01T15:17:00Z")))
                .isEqualTo(window("2024-01-01T18:17:00Z", "2024-01-01T19:17:00Z"));
        // ten days later: 06:17 has ended, 10:17 is next
        assertThat(s.nextWindow(RATE_BASE, t("2024-01-11T10:00:00Z")))
                .isEqualTo(window("2024-01-11T10:17:00Z", "2024-01-11T11:17:00Z"));
    }

    @Test
    void hoursWindowAsLongAsTheInterval() {
        RotationSchedule s = schedule("rate(4 hours)", "4h");
        assertThat(s.nextWindow(RATE_BASE, RATE_BASE))
                .isEqualTo(window("2024-01-01T14:17:00Z", "2024-01-01T18:17:00Z"));
        refusedWithDuration("rate(4 hours)", "5h", "duration \"5h\" is longer than the 4h between two starts",
                "\"rate(4 hours)\"");
    }

    @Test
    void daysStartAtMidnightUtc() {
        RotationSchedule daily = schedule("rate(1 day)");
        assertThat(daily.inDays()).isTrue();
        assertThat(daily.window()).isEqualTo(Duration.ofHours(24));
        assertThat(daily.nextWindow(t("2024-03-01T23:59:00Z"), t("2024-03-01T23:59:00Z")))
                .isEqualTo(window("2024-03-02T00:00:00Z", "2024-03-03T00:00:00Z"));
        assertThat(schedule("rate(2 days)", "6h").nextWindow(t("2024-03-01T00:00:00Z"), t("2024-03-01T00:00:00Z")))
                .isEqualTo(window("2024-03-03T00:00:00Z", "2024-03-03T06:00:00Z"));
        assertThat(schedule("rate(10 days)").nextWindow(t("2024-01-01T08:00:00Z"), t("2024-01-21T08:00:00Z")))
                .isEqualTo(window("2024-01-21T08:00:00Z", "2024-01-22T00:00:00Z"));
    }

    @Test
    void rateLimits() {
        refusedExpression("rate(3 hours)", "\"rate(3 hours)\"", "rate in hours must be 4-24000 hours");
        assertThat(schedule("rate(4 hours)").inDays()).isFalse();
        refusedExpression("rate(1 hour)", "rate in hours must be 4-24000 hours");
        assertThat(schedule("rate(24000 hours)").inDays()).isFalse();
        refusedExpression("rate(24001 hours)", "rate in hours must be 4-24000 hours");
        refusedExpression("rate(0 days)", "rate in days must be 1-1000 days");
        assertThat(schedule("rate(1 day)").inDays()).isTrue();
        assertThat(schedule("rate(1000 days)").inDays()).isTrue();
        refusedExpression("rate(1001 days)", "\"rate(1001 days)\"", "rate in days must be 1-1000 days");
        refusedExpression("rate(99999999999 days)", "rate in days must be 1-1000 days");
    }

    @ParameterizedTest
    @ValueSource(strings = {"rate(4 hour)", "rate(1 days)", "rate(2 day)"})
    void unitIsSingularForOneOnly(String expression) {
        refusedExpression(expression, "\"" + expression + "\"", "singular (hour, day) for 1 and plural otherwise");
    }

    @ParameterizedTest
    @ValueSource(strings = {"rate(4  hours)", "rate(4 weeks)", "rate(-4 hours)", "RATE(4 hours)", "every 4 hours",
            " rate(4 hours)", "rate(4 hours) ", "rate(4.5 hours)"})
    void malformedRates(String expression) {
        refusedExpression(expression, "\"" + expression + "\"", "must be rate(N hours), rate(N days) or cron(");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0h", "25h", "3", "h", "3H", " 3h", "-1h", "1.5h", "99999h", "3d", "3 h"})
    void durationsRefused(String duration) {
        refused(RotationRules.newBuilder().setAutomaticallyAfterDays(1).setDuration(duration).build(),
                "duration \"" + duration + "\" must be a number of hours followed by h, 1h-24h");
    }

    @Test
    void longValuesAreCutInMessages() {
        String duration = "9".repeat(500) + "h";
        assertThatThrownBy(() -> afterDays(1, duration)).hasMessageContaining("\"" + "9".repeat(100) + "...\"")
                .hasMessageNotContaining("9".repeat(101));
    }

    @Test
    void durationLimits() {
        assertThat(afterDays(1, "1h").window()).isEqualTo(RotationSchedule.MIN_WINDOW);
        assertThat(afterDays(1, "24h").window()).isEqualTo(RotationSchedule.MAX_WINDOW);
        assertThat(afterDays(1, "03h").window()).isEqualTo(Duration.ofHours(3));
    }

    @Test
    void twiceAMonthAtFixedHourWindowToTheEndOfTheDay() {
        RotationSchedule s = schedule("cron(0 16 1,15 * ? *)");
        assertThat(s.inDays()).isTrue();
        assertThat(s.window()).isEqualTo(Duration.ofHours(8));
        // a start at exactly the base is not after it
        long base = t("2024-01-01T16:00:00Z");
        assertThat(s.nextWindow(base, base)).isEqualTo(window("2024-01-15T16:00:00Z", "2024-01-16T00:00:00Z"));
        base = t("2024-01-15T17:00:00Z");
        assertThat(s.nextWindow(base, base)).isEqualTo(window("2024-02-01T16:00:00Z", "2024-02-02T00:00:00Z"));
        assertThat(s.nextWindow(t("2024-01-10T00:00:00Z"), t("2024-01-15T20:00:00Z")))
                .isEqualTo(window("2024-01-15T20:00:00Z", "2024-01-16T00:00:00Z"));
        // a base decades back does not walk through every start since
        assertThat(s.nextWindow(t("1990-01-01T00:00:00Z"), t("2024-01-15T20:00:00Z")))
                .isEqualTo(window("2024-01-15T20:00:00Z", "2024-01-16T00:00:00Z"));
        assertThat(s.nextWindow(t("1990-01-01T00:00:00Z"), t("2024-01-16T00:00:00Z")))
                .isEqualTo(window("2024-02-01T16:00:00Z", "2024-02-02T00:00:00Z"));
    }

    @Test
    void secondSaturday() {
        RotationSchedule s = schedule("cron(0 8 ? * SAT#2 *)");
        assertThat(s.window()).isEqualTo(Duration.ofHours(16));
        long base = t("2024-01-01T00:00:00Z");
        assertThat(s.nextWindow(base, base)).isEqualTo(window("2024-01-13T08:00:00Z", "2024-01-14T00:00:00Z"));
        base = t("2024-01-13T09:00:00Z");
        assertThat(s.nextWindow(base, base)).isEqualTo(window("2024-02-10T08:00:00Z", "2024-02-11T00:00:00Z"));
        base = t("2024-02-10T08:00:00Z");
        assertThat(s.nextWindow(base, base)).isEqualTo(window("2024-03-09T08:00:00Z", "2024-03-10T00:00:00Z"));
        // numbers and lower case as well
        assertThat(schedule("cron(0 8 ? jan 7#2 *)").nextWindow(base, base).startMillis())
                .isEqualTo(t("2025-01-11T08:00:00Z"));
    }

    @Test
    void lastDayOfTheMonth() {
        RotationSchedule s = schedule("cron(0 0 L * ? *)");
        assertThat(s.window()).isEqualTo(Duration.ofHours(24));
        long base = t("2024-02-01T00:00:00Z");
        assertThat(s.nextWindow(base, base)).isEqualTo(window("2024-02-29T00:00:00Z", "2024-03-01T00:00:00Z"));
        base = t("2023-02-01T00:00:00Z");
        assertThat(s.nextWindow(base, base)).isEqualTo(window("2023-02-28T00:00:00Z", "2023-03-01T00:00:00Z"));
        base = t("2024-02-29T00:00:00Z");
        assertThat(s.nextWindow(base, base)).isEqualTo(window("2024-03-31T00:00:00Z", "2024-04-01T00:00:00Z"));
        base = t("2024-04-05T00:00:00Z");
        assertThat(s.nextWindow(base, base)).isEqualTo(window("2024-04-30T00:00:00Z", "2024-05-01T00:00:00Z"));
    }

    @Test
    void weekdays() {
        RotationSchedule s = schedule("cron(0 4 ? * MON-FRI *)");
        assertThat(s.inDays()).isTrue();
        assertThat(s.window()).isEqualTo(Duration.ofHours(20));
        long friday = t("2024-01-05T05:00:00Z");
        assertThat(s.nextWindow(friday, friday)).isEqualTo(window("2024-01-08T04:00:00Z", "2024-01-09T00:00:00Z"));
        long monday = t("2024-01-08T03:00:00Z");
        assertThat(s.nextWindow(monday, monday)).isEqualTo(window("2024-01-08T04:00:00Z", "2024-01-09T00:00:00Z"));
    }

    @Test
    void everySixHoursIsInHours() {
        RotationSchedule s = schedule("cron(0 */6 * * ? *)");
        assertThat(s.inDays()).isFalse();
        assertThat(s.window()).isEqualTo(Duration.ofHours(1));
        long base = t("2024-01-01T05:00:00Z");
        assertThat(s.nextWindow(base, base)).isEqualTo(window("2024-01-01T06:00:00Z", "2024-01-01T07:00:00Z"));
        assertThat(s.nextWindow(base, t("2024-01-01T06:30:00Z")))
                .isEqualTo(window("2024-01-01T06:30:00Z", "2024-01-01T07:00:00Z"));
        assertThat(s.nextWindow(base, t("2024-01-01T07:00:00Z")))
                .isEqualTo(window("2024-01-01T12:00:00Z", "2024-01-01T13:00:00Z"));
        base = t("2024-01-01T22:30:00Z");
        assertThat(s.nextWindow(base, base)).isEqualTo(window("2024-01-02T00:00:00Z", "2024-01-02T01:00:00Z"));
        assertThat(s.nextWindow(t("2000-01-01T00:00:00Z"), t("2024-01-01T06:30:00Z")))
                .isEqualTo(window("2024-01-01T06:30:00Z", "2024-01-01T07:00:00Z"));
        // the window may fill the 6h between starts, not more
        assertThat(schedule("cron(0 */6 * * ? *)", "6h").window()).isEqualTo(Duration.ofHours(6));
        refusedWithDuration("cron(0 */6 * * ? *)", "7h", "duration \"7h\" is longer than the 6h between two starts",
                "\"cron(0 */6 * * ? *)\"");
    }

    @Test
    void stepsRangesListsAndNames() {
        long base = t("2024-02-01T00:00:00Z");
        assertThat(schedule("cron(0 0 1 JAN,JUL ? *)").nextWindow(base, base).startMillis())
                .isEqualTo(t("2024-07-01T00:00:00Z"));
        assertThat(schedule("cron(0 0 1 FEB-APR/2 ? *)").nextWindow(base, base).startMillis())
                .isEqualTo(t("2024-04-01T00:00:00Z"));
        // 1/10: 1, 11, 21, 31
        RotationSchedule tenDays = schedule("cron(0 0 1/10 * ? *)");
        assertThat(tenDays.nextWindow(t("2024-01-21T01:00:00Z"), base).startMillis())
                .isEqualTo(t("2024-02-01T00:00:00Z"));
        assertThat(tenDays.nextWindow(t("2024-01-21T01:00:00Z"), t("2024-01-21T01:00:00Z")).startMillis())
                .isEqualTo(t("2024-01-31T00:00:00Z"));
        // 2-6/2: MON, WED, FRI
        long monday = t("2024-01-08T00:00:00Z");
        assertThat(schedule("cron(0 0 ? * 2-6/2 *)").nextWindow(monday, monday).startMillis())
                .isEqualTo(t("2024-01-10T00:00:00Z"));
        // 1 is Sunday, 7 Saturday
        long newYear = t("2024-01-01T00:00:00Z");
        assertThat(schedule("cron(0 12 ? * 1 *)").nextWindow(newYear, newYear).startMillis())
                .isEqualTo(t("2024-01-07T12:00:00Z"));
        assertThat(schedule("cron(0 12 ? * 7 *)").nextWindow(newYear, newYear).startMillis())
                .isEqualTo(t("2024-01-06T12:00:00Z"));
        // 3/8: 3, 11, 19; a step makes it a schedule in hours
        RotationSchedule s = schedule("cron(0 3/8 * * ? *)");
        assertThat(s.inDays()).isFalse();
        long evening = t("2024-01-01T19:00:00Z");
        assertThat(s.nextWindow(evening, evening)).isEqualTo(window("2024-01-02T03:00:00Z", "2024-01-02T04:00:00Z"));
        assertThat(schedule("cron(0 */4 ? * SUN *)").inDays()).isFalse();
    }

    @Test
    void leapDayOnlyIsAccepted() {
        long base = t("2024-03-01T00:00:00Z");
        assertThat(schedule("cron(0 0 29 2 ? *)").nextWindow(base, base).startMillis())
                .isEqualTo(t("2028-02-29T00:00:00Z"));
    }

    @Test
    void windowsInHoursMayCrossMidnight() {
        // 20/12 is 20 only, but a step: in hours
        RotationSchedule s = schedule("cron(0 20/12 * * ? *)", "5h");
        long base = t("2024-01-01T00:00:00Z");
        assertThat(s.nextWindow(base, base)).isEqualTo(window("2024-01-01T20:00:00Z", "2024-01-02T01:00:00Z"));
    }

    @Test
    void windowInDaysEndsByMidnight() {
        assertThat(schedule("cron(0 20 * * ? *)", "4h").window()).isEqualTo(Duration.ofHours(4));
        refusedWithDuration("cron(0 20 * * ? *)", "5h", "duration \"5h\"", "starts at 20:00 UTC into the next UTC day",
                "\"cron(0 20 * * ? *)\"", "at most 4h");
    }

    @Test
    void inDaysWithSeveralHoursNeedsADuration() {
        refusedExpression("cron(0 8,20 * * ? *)", "\"cron(0 8,20 * * ? *)\"", "more than once a UTC day",
                "duration of at most 4h");
        RotationSchedule s = schedule("cron(0 8,20 * * ? *)", "4h");
        assertThat(s.inDays()).isTrue();
        long base = t("2024-01-01T09:00:00Z");
        assertThat(s.nextWindow(base, base)).isEqualTo(window("2024-01-01T20:00:00Z", "2024-01-02T00:00:00Z"));
    }

    @Test
    void startsAtLeastFourHoursApart() {
        refusedExpression("cron(0 */2 * * ? *)", "\"cron(0 */2 * * ? *)\"", "only 2h apart", "at least 4h apart");
        refusedExpression("cron(0 * * * ? *)", "only 1h apart");
        assertThat(schedule("cron(0 */4 * * ? *)").inDays()).isFalse();
        // 0, 7, 14, 21, then 0 the next day: 3h
        refusedExpression("cron(0 */7 * * ? *)", "only 3h apart");
        refusedWithDuration("cron(0 0,3 * * ? *)", "4h", "only 3h apart");
        assertThat(schedule("cron(0 0,4 * * ? *)", "4h").window()).isEqualTo(Duration.ofHours(4));
        // 23:00 on Feb 28 to 00:00 on Mar 1, in years that are not leap years
        refusedWithDuration("cron(0 0,23 1,28 * ? *)", "4h", "only 1h apart");
    }

    @Test
    void neverOrRarelyFiring() {
        refusedExpression("cron(0 0 30 2 ? *)", "\"cron(0 0 30 2 ? *)\"", "never fires");
        refusedExpression("cron(0 0 31 4,6,9,11 ? *)", "never fires");
        // a fifth Monday in February: once in 28 years
        refusedExpression("cron(0 0 ? 2 MON#5 *)", "days without firing", "at least once every 1464 days");
    }

    @Test
    void searchForTheNextStartIsBounded() {
        CronExpression never = CronExpression.parse("cron(0 0 30 2 ? *)");
        assertThatThrownBy(() -> never.nextFire(0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not fire within 3660 days");
    }

    @Test
    void minutesMustBeZero() {
        refusedExpression("cron(5 10 * * ? *)", "\"cron(5 10 * * ? *)\"", "Minutes must be 0", "\"5\"");
        refusedExpression("cron(0/5 10 * * ? *)", "Minutes must be 0", "\"0/5\"");
        refusedExpression("cron(* 10 * * ? *)", "Minutes must be 0");
    }

    @Test
    void yearMustBeStar() {
        refusedExpression("cron(0 10 * * ? 2025)", "Year must be *, got \"2025\"");
    }

    @Test
    void exactlyOneQuestionMark() {
        refusedExpression("cron(0 10 ? * ? *)", "exactly one of Day-of-month and Day-of-week must be ?, got both");
        refusedExpression("cron(0 10 1 * MON *)", "exactly one of Day-of-month and Day-of-week must be ?, got neither");
        refusedExpression("cron(0 10 * * * *)", "got neither");
    }

    @Test
    void fieldCount() {
        refusedExpression("cron(0 10 * * ?)", "six fields", "got 5");
        refusedExpression("cron(0 10 * * ? * *)", "six fields", "got 7");
        refusedExpression("cron()", "six fields", "got 0");
        refusedExpression("cron(0 10 * * ? *", "must have the form cron(");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "cron(0 24 * * ? *)|Hours \"24\" is out of range (0-23)",
        "cron(0 1-25 * * ? *)|Hours \"25\" is out of range",
        "cron(0 -1 * * ? *)|Hours \"-1\" is not a list",
        "cron(0 MON * * ? *)|Hours has \"MON\", not a number (0-23)",
        "cron(0 5-3 * * ? *)|Hours range \"5-3\" runs backwards",
        "cron(0 */0 * * ? *)|Hours step \"0\" is out of range (1-24)",
        "cron(0 1,,2 * * ? *)|Hours \"1,,2\" is not a list",
        "cron(0 10 0 * ? *)|Day-of-month \"0\" is out of range (1-31)",
        "cron(0 10 32 * ? *)|Day-of-month \"32\" is out of range",
        "cron(0 10 LW * ? *)|Day-of-month has \"LW\", not a number",
        "cron(0 10 15W * ? *)|Day-of-month has \"15W\"",
        "cron(0 10 1,L * ? *)|Day-of-month has \"L\"",
        "cron(0 10 1 13 ? *)|Month \"13\" is out of range (1-12 or JAN-DEC)",
        "cron(0 10 1 0 ? *)|Month \"0\" is out of range",
        "cron(0 10 1 FOO ? *)|Month has \"FOO\", not a number (1-12 or JAN-DEC)",
        "cron(0 10 ? * 0 *)|Day-of-week \"0\" is out of range (1-7 or SUN-SAT)",
        "cron(0 10 ? * 8 *)|Day-of-week \"8\" is out of range",
        "cron(0 10 ? * L *)|Day-of-week has \"L\"",
        "cron(0 10 ? * 5L *)|Day-of-week has \"5L\"",
        "cron(0 10 ? * MON#6 *)|Day-of-week \"6\" is out of range (1-5)",
        "cron(0 10 ? * MON#0 *)|Day-of-week \"0\" is out of range (1-5)",
        "cron(0 10 ? * FOO#1 *)|Day-of-week has \"FOO\"",
        "cron(0 10 ? * MON#1,FRI#2 *)|Day-of-week \"MON#1,FRI#2\" is not a list",
    })
    void badTokensNameTheField(String caseText) {
        String[] c = caseText.split("\\|");
        refusedExpression(c[0], "schedule_expression \"" + c[0] + "\"", c[1]);
    }

    @Test
    void pickStaysInsideAndSpreads() {
        Random random = new Random(42);
        long middle = HOUR_WINDOW.startMillis() + (HOUR_WINDOW.endMillis() - HOUR_WINDOW.startMillis()) / 2;
        int early = 0;
        for (int i = 0; i < 1000; i++) {
            long p = HOUR_WINDOW.pick(random);
            assertThat(p).isBetween(HOUR_WINDOW.startMillis(), HOUR_WINDOW.endMillis() - 1);
            early += p < middle ? 1 : 0;
        }
        assertThat(early).isBetween(400, 600);
    }

    @Test
    void aOneMillisecondWindowPicksItsStart() {
        Window w = new Window(5, 6);
        assertThat(w.pick(new Random(1))).isEqualTo(5);
    }

    @Test
    void anEmptyWindowIsNotAWindow() {
        assertThatThrownBy(() -> new Window(5, 5)).isInstanceOf(IllegalArgumentException.class);
    }
}
