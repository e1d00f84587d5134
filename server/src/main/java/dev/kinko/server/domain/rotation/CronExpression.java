package dev.kinko.server.domain.rotation;

import static dev.kinko.server.domain.rotation.RotationSchedule.quote;

import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An AWS six-field cron, {@code cron(0 Hours Day-of-month Month Day-of-week *)}, in UTC. Parsing
 * checks only the shape and ranges; whether the fire times make a usable schedule is
 * {@link RotationSchedule}'s call.
 */
final class CronExpression {
    static final long HOUR = 3_600_000L;
    static final long DAY = 24 * HOUR;
    /** Search bound of {@link #nextFire}: above the 8 years between two Feb 29 across 2100. */
    static final int SEARCH_DAYS = 366 * 10;
    /** From 1901 to 2099 the calendar (weekdays, leap years) repeats every 28 years. */
    private static final LocalDate CYCLE_START = LocalDate.of(2001, 1, 1);
    private static final int CYCLE_DAYS = (int) (LocalDate.of(2029, 1, 1).toEpochDay() - CYCLE_START.toEpochDay());

    private static final Pattern CRON = Pattern.compile("cron\\((.*)\\)");
    private static final Pattern NTH = Pattern.compile("(\\w+)#(\\w+)");
    private static final Pattern ELEMENT = Pattern.compile("(\\*|\\w+(?:-\\w+)?)(?:/(\\w+))?");
    private static final List<String> MONTHS =
            List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");
    private static final List<String> WEEKDAYS = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");

    private final String expression;
    private final BitSet hours;
    private final boolean hoursStep;
    private final BitSet months;
    /** Null when Day-of-month is '?'. */
    private final BitSet daysOfMonth;
    private final boolean lastDayOfMonth;
    /** AWS numbering, 1 = SUN; null when Day-of-week is '?'. */
    private final BitSet daysOfWeek;
    /** The n of X#n, 0 when not used. */
    private final int nth;

    private CronExpression(String expression, BitSet hours, boolean hoursStep, BitSet months, BitSet daysOfMonth,
            boolean lastDayOfMonth, BitSet daysOfWeek, int nth) {
        this.expression = expression;
        this.hours = hours;
        this.hoursStep = hoursStep;
        this.months = months;
        this.daysOfMonth = daysOfMonth;
        this.lastDayOfMonth = lastDayOfMonth;
        this.daysOfWeek = daysOfWeek;
        this.nth = nth;
    }

    static CronExpression parse(String expression) {
        Matcher m = CRON.matcher(expression);
        if (!m.matches()) {
            throw refuse(expression,
                    "a cron expression must have the form cron(Minutes Hours Day-of-month Month Day-of-week Year)");
        }
        String[] f = m.group(1).trim().split("\\s+");
        if (f.length != 6) {
            throw refuse(expression, "a cron expression needs six fields (Minutes Hours Day-of-month Month "
                    + "Day-of-week Year), got " + (f[0].isEmpty() ? 0 : f.length));
        }
        if (!f[0].equals("0")) {
            throw refuse(expression, "Minutes must be 0 (rotations start on the hour), got " + quote(f[0]));
        }
        if (!f[5].equals("*")) {
            throw refuse(expression, "Year must be *, got " + quote(f[5]));
        }
        boolean noDayOfMonth = f[2].equals("?");
        boolean noDayOfWeek = f[4].equals("?");
        if (noDayOfMonth == noDayOfWeek) {
            throw refuse(expression, "exactly one of Day-of-month and Day-of-week must be ?, got "
                    + (noDayOfMonth ? "both" : "neither") + " (" + quote(f[2]) + " and " + quote(f[4]) + ")");
        }
        BitSet hours = field(expression, "Hours", f[1], 0, 23, List.of());
        BitSet months = field(expression, "Month", f[3], 1, 12, MONTHS);
        BitSet daysOfMonth = null;
        boolean last = false;
        BitSet daysOfWeek = null;
        int nth = 0;
        if (!noDayOfMonth) {
            // L alone, as AWS allows it (no lists, no W)
            last = f[2].equals("L");
            daysOfMonth = last ? new BitSet() : field(expression, "Day-of-month", f[2], 1, 31, List.of());
        } else {
            Matcher n = NTH.matcher(f[4]);
            if (n.matches()) {
                daysOfWeek = new BitSet();
                daysOfWeek.set(value(expression, "Day-of-week", n.group(1), 1, 7, WEEKDAYS));
                nth = value(expression, "Day-of-week", n.group(2), 1, 5, List.of());
            } else {
                daysOfWeek = field(expression, "Day-of-week", f[4], 1, 7, WEEKDAYS);
            }
        }
        return new CronExpression(expression, hours, f[1].equals("*") || f[1].contains("/"), months, daysOfMonth,
                last, daysOfWeek, nth);
    }

    /** AWS: a cron is in hours when its Hours field is * or has a step, else in days. */
    boolean inDays() {
        return !hoursStep;
    }

    int firstHour() {
        return hours.nextSetBit(0);
    }

    int lastHour() {
        return hours.length() - 1;
    }

    /** The first fire hour at or after the given one, -1 if none. */
    int nextHour(int from) {
        return hours.nextSetBit(from);
    }

    int hoursPerDay() {
        return hours.cardinality();
    }

    /** The first fire time strictly after the given instant (epoch millis, UTC). */
    long nextFire(long afterMillis) {
        long hour = Math.floorDiv(afterMillis, HOUR) + 1;
        LocalDate day = LocalDate.ofEpochDay(Math.floorDiv(hour, 24));
        int fromHour = (int) Math.floorMod(hour, 24);
        for (int i = 0; i <= SEARCH_DAYS; i++, day = day.plusDays(1), fromHour = 0) {
            int h = firesOn(day) ? hours.nextSetBit(fromHour) : -1;
            if (h >= 0) {
                return day.toEpochDay() * DAY + h * HOUR;
            }
        }
        throw new IllegalStateException(expression + " does not fire within " + SEARCH_DAYS + " days after "
                + Instant.ofEpochMilli(afterMillis));
    }

    /** Day gaps between consecutive fire days over a whole calendar cycle; null if it never fires. */
    DayGaps dayGaps() {
        long first = -1;
        long previous = -1;
        long shortest = Long.MAX_VALUE;
        long longest = 0;
        LocalDate day = CYCLE_START;
        for (int i = 0; i < CYCLE_DAYS; i++, day = day.plusDays(1)) {
            if (!firesOn(day)) {
                continue;
            }
            if (first < 0) {
                first = i;
            } else {
                shortest = Math.min(shortest, i - previous);
                longest = Math.max(longest, i - previous);
            }
            previous = i;
        }
        if (first < 0) {
            return null;
        }
        long wrap = first + CYCLE_DAYS - previous;
        return new DayGaps((int) Math.min(shortest, wrap), (int) Math.max(longest, wrap));
    }

    record DayGaps(int shortest, int longest) {}

    boolean firesOn(LocalDate day) {
        if (!months.get(day.getMonthValue())) {
            return false;
        }
        if (daysOfMonth != null) {
            return lastDayOfMonth ? day.getDayOfMonth() == day.lengthOfMonth() : daysOfMonth.get(day.getDayOfMonth());
        }
        if (!daysOfWeek.get(awsWeekday(day.getDayOfWeek()))) {
            return false;
        }
        return nth == 0 || (day.getDayOfMonth() - 1) / 7 + 1 == nth;
    }

    private static int awsWeekday(DayOfWeek d) {
        return d.getValue() % 7 + 1;
    }

    /** A list of *, a, a-b, each with an optional /step. */
    private static BitSet field(String expression, String name, String text, int min, int max, List<String> names) {
        BitSet set = new BitSet();
        for (String element : text.split(",", -1)) {
            Matcher m = ELEMENT.matcher(element);
            if (!m.matches()) {
                throw refuse(expression, name + " " + quote(text)
                        + " is not a list of *, numbers, ranges a-b and steps /n"
                        + allowed(min, max, names));
            }
            int from = min;
            int to = max;
            if (!m.group(1).equals("*")) {
                String[] range = m.group(1).split("-");
                from = value(expression, name, range[0], min, max, names);
                // a/n runs from a to the end
                to = range.length == 2 ? value(expression, name, range[1], min, max, names)
                        : m.group(2) == null ? from : max;
                if (from > to) {
                    throw refuse(expression, name + " range " + quote(m.group(1)) + " runs backwards");
                }
            }
            int step = m.group(2) == null ? 1
                    : value(expression, name + " step", m.group(2), 1, max - min + 1, List.of());
            for (int v = from; v <= to; v += step) {
                set.set(v);
            }
        }
        return set;
    }

    private static int value(String expression, String name, String text, int min, int max, List<String> names) {
        int i = names.indexOf(text.toUpperCase(Locale.ROOT));
        if (i >= 0) {
            return min + i;
        }
        if (!text.matches("[0-9]{1,4}")) {
            throw refuse(expression, name + " has " + quote(text) + ", not a number" + allowed(min, max, names));
        }
        int v = Integer.parseInt(text);
        if (v < min || v > max) {
            throw refuse(expression, name + " " + quote(text) + " is out of range" + allowed(min, max, names));
        }
        return v;
    }

    private static String allowed(int min, int max, List<String> names) {
        String named = names.isEmpty() ? "" : " or " + names.get(0) + "-" + names.get(names.size() - 1);
        return " (" + min + "-" + max + named + ")";
    }

    static KinkoException refuse(String expression, String rule) {
        return new KinkoException(Reason.INVALID_ROTATION_RULES,
                "schedule_expression " + quote(expression) + ": " + rule);
    }
}
