package dev.kinko.server.domain.rotation;

import dev.kinko.proto.v1.RotationRules;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import java.time.Duration;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * AWS Secrets Manager's RotationRules, checked, and the windows they give (UTC everywhere). A
 * schedule is in days (AutomaticallyAfterDays, rate(N days), a cron with fixed hours: the window
 * defaults to the rest of the UTC day) or in hours (rate(N hours), a cron whose Hours is * or has a
 * step: the window defaults to 1h).
 */
public final class RotationSchedule {
    public static final int MIN_AFTER_DAYS = 1, MAX_AFTER_DAYS = 1000;
    public static final Duration MIN_INTERVAL = Duration.ofHours(4);
    public static final Duration MIN_WINDOW = Duration.ofHours(1), MAX_WINDOW = Duration.ofHours(24);
    /** rate(N hours) goes as far as the longest schedule in days. */
    public static final int MAX_RATE_HOURS = MAX_AFTER_DAYS * 24;
    /** A cron must fire at least this often, so that finding its next window always ends (Feb 29 does). */
    public static final int MAX_CRON_GAP_DAYS = 4 * 366;

    private static final long DAY = CronExpression.DAY;
    private static final Pattern RATE = Pattern.compile("rate\\(([0-9]+) (hours?|days?)\\)");
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,4})h");

    /** 0 for a cron. */
    private final long periodMillis;
    /** Null unless the schedule is a cron. */
    private final CronExpression cron;
    private final boolean inDays;
    private final Duration window;

    private RotationSchedule(long periodMillis, CronExpression cron, boolean inDays, Duration window) {
        this.periodMillis = periodMillis;
        this.cron = cron;
        this.inDays = inDays;
        this.window = window;
    }

    public static RotationSchedule parse(RotationRules rules) {
        int days = rules.getAutomaticallyAfterDays();
        String expression = rules.getScheduleExpression();
        // proto3: 0 and "" are "not given"
        if ((days != 0) == !expression.isEmpty()) {
            throw refuse("give exactly one of automatically_after_days and schedule_expression, got "
                    + (days != 0 ? "both (" + days + " and " + quote(expression) + ")" : "neither"));
        }
        Duration duration = duration(rules.getDuration());
        if (days != 0) {
            if (days < MIN_AFTER_DAYS || days > MAX_AFTER_DAYS) {
                throw refuse("automatically_after_days must be " + MIN_AFTER_DAYS + "-" + MAX_AFTER_DAYS
                        + ", got " + days);
            }
            return new RotationSchedule(days * DAY, null, true, duration != null ? duration : Duration.ofDays(1));
        }
        if (expression.startsWith("cron(")) {
            return cron(expression, rules.getDuration(), duration);
        }
        Matcher m = RATE.matcher(expression);
        if (!m.matches()) {
            throw refuse("schedule_expression " + quote(expression)
                    + " must be rate(N hours), rate(N days) or cron(0 Hours Day-of-month Month Day-of-week *)");
        }
        // more than 9 digits is out of range anyway; keeps parseLong from overflowing
        long n = m.group(1).length() > 9 ? Long.MAX_VALUE : Long.parseLong(m.group(1));
        String unit = m.group(2);
        if (!unit.endsWith("s") != (n == 1)) {
            throw refuse("schedule_expression " + quote(expression)
                    + ": the unit is singular (hour, day) for 1 and plural otherwise");
        }
        if (unit.startsWith("day")) {
            if (n < MIN_AFTER_DAYS || n > MAX_AFTER_DAYS) {
                throw refuse("schedule_expression " + quote(expression) + ": rate in days must be "
                        + MIN_AFTER_DAYS + "-" + MAX_AFTER_DAYS + " days");
            }
            return new RotationSchedule(n * DAY, null, true, duration != null ? duration : Duration.ofDays(1));
        }
        if (n < MIN_INTERVAL.toHours() || n > MAX_RATE_HOURS) {
            throw refuse("schedule_expression " + quote(expression) + ": rate in hours must be "
                    + MIN_INTERVAL.toHours() + "-" + MAX_RATE_HOURS + " hours");
        }
        if (duration != null && duration.toHours() > n) {
            throw refuse(tooLong(rules.getDuration(), n, expression));
        }
        return new RotationSchedule(n * CronExpression.HOUR, null, false, duration != null ? duration : MIN_WINDOW);
    }

    private static RotationSchedule cron(String expression, String durationText, Duration duration) {
        CronExpression cron = CronExpression.parse(expression);
        CronExpression.DayGaps days = cron.dayGaps();
        if (days == null) {
            throw CronExpression.refuse(expression, "it never fires (no month has such a day)");
        }
        if (days.longest() > MAX_CRON_GAP_DAYS) {
            throw CronExpression.refuse(expression, "it can go " + days.longest()
                    + " days without firing; a schedule must fire at least once every " + MAX_CRON_GAP_DAYS + " days");
        }
        long gap = shortestGapHours(cron, days.shortest());
        if (gap < MIN_INTERVAL.toHours()) {
            throw CronExpression.refuse(expression, "two of its starts are only " + gap
                    + "h apart; starts must be at least " + MIN_INTERVAL.toHours() + "h apart");
        }
        if (duration != null && duration.toHours() > gap) {
            throw refuse(tooLong(durationText, gap, expression));
        }
        if (duration != null && cron.inDays() && cron.lastHour() + duration.toHours() > 24) {
            throw refuse("duration " + quote(durationText) + " would run the window that starts at " + cron.lastHour()
                    + ":00 UTC into the next UTC day; a schedule in days must end its window by 24:00 UTC, so "
                    + "schedule_expression " + quote(expression) + " allows at most " + (24 - cron.lastHour()) + "h");
        }
        if (duration != null) {
            return new RotationSchedule(0, cron, cron.inDays(), duration);
        }
        if (!cron.inDays()) {
            return new RotationSchedule(0, cron, false, MIN_WINDOW);
        }
        // the default window of a schedule in days runs to 24:00 UTC: a second start that day would fall inside it
        if (cron.hoursPerDay() > 1) {
            throw CronExpression.refuse(expression, "it starts more than once a UTC day, inside the default window "
                    + "(to the end of the UTC day) of its first start; give a duration of at most "
                    + Math.min(gap, 24 - cron.lastHour()) + "h");
        }
        return new RotationSchedule(0, cron, true, Duration.ofHours(24 - cron.firstHour()));
    }

    /** Fire hours are the same on every fire day: the closest starts are within a day or across the closest days. */
    private static long shortestGapHours(CronExpression cron, int shortestDays) {
        long gap = shortestDays * 24L - (cron.lastHour() - cron.firstHour());
        for (int h = cron.firstHour(), next; (next = cron.nextHour(h + 1)) >= 0; h = next) {
            gap = Math.min(gap, next - h);
        }
        return gap;
    }

    /** Null when not given. */
    private static Duration duration(String text) {
        if (text.isEmpty()) {
            return null;
        }
        Matcher m = DURATION.matcher(text);
        long hours = m.matches() ? Long.parseLong(m.group(1)) : -1;
        if (hours < MIN_WINDOW.toHours() || hours > MAX_WINDOW.toHours()) {
            throw refuse("duration " + quote(text) + " must be a number of hours followed by h, "
                    + MIN_WINDOW.toHours() + "h-" + MAX_WINDOW.toHours() + "h (e.g. \"3h\")");
        }
        return Duration.ofHours(hours);
    }

    private static String tooLong(String duration, long gapHours, String expression) {
        return "duration " + quote(duration) + " is longer than the " + gapHours + "h between two starts of "
                + "schedule_expression " + quote(expression) + " (a window must end before the next one starts)";
    }

    /**
     * The first window that starts after {@code baseMillis} (the last rotation, or when the rules
     * were set) and has not ended by {@code nowMillis}; if it has begun, it starts at now instead.
     */
    public Window nextWindow(long baseMillis, long nowMillis) {
        long length = window.toMillis();
        long start;
        if (cron != null) {
            // windows starting by now - length have ended: an old base need not walk through them
            start = cron.nextFire(Math.max(baseMillis, nowMillis - length));
        } else {
            long first = (inDays ? Math.floorDiv(baseMillis, DAY) * DAY : baseMillis) + periodMillis;
            long late = nowMillis - length - first;
            start = late < 0 ? first : first + (Math.floorDiv(late, periodMillis) + 1) * periodMillis;
        }
        return new Window(Math.max(start, nowMillis), start + length);
    }

    /** True for a schedule in days (the window defaults to the rest of the UTC day), false in hours (1h). */
    public boolean inDays() {
        return inDays;
    }

    /** The length of every window (before a late one is clipped to now): the duration given, else the default. */
    public Duration window() {
        return window;
    }

    /** A time range [start, end) in epoch millis; never empty. */
    public record Window(long startMillis, long endMillis) {
        public Window {
            if (endMillis <= startMillis) {
                throw new IllegalArgumentException(
                        "a window must end after it starts: [" + startMillis + ", " + endMillis + ")");
            }
        }

        /** A time in [start, end) chosen with the given random source (uniform). */
        public long pick(RandomGenerator random) {
            return startMillis + random.nextLong(endMillis - startMillis);
        }
    }

    /** A field's value for a message; long ones are cut (they only need to be recognised). */
    static String quote(String text) {
        return "\"" + (text.length() > 100 ? text.substring(0, 100) + "..." : text) + "\"";
    }

    private static KinkoException refuse(String message) {
        return new KinkoException(Reason.INVALID_ROTATION_RULES, message);
    }
}
