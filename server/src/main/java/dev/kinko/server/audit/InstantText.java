package dev.kinko.server.audit;

import java.time.Instant;

/**
 * {@link Instant#toString()}, the audit line's time, without its formatter for every line: the
 * date and time of day are built once per second and kept, and only the fraction is appended
 * (Instant.toString under the launcher's C1 was a sixth of the samples of the thread that
 * authenticates, checks and audits each call; ops/bench/README.md, step 9). The text is the same,
 * to the byte: the hash chain covers it and the verifier parses it.
 */
final class InstantText {
    /** The epoch seconds whose text the fast path builds: years 0000-9999 (Instant.toString writes others with a sign). */
    static final long MIN_SECOND = -62_167_219_200L; // 0000-01-01T00:00:00Z
    static final long MAX_SECOND = 253_402_300_799L; // 9999-12-31T23:59:59Z

    private record Second(long epochSecond, String text) {}

    /** The last second formatted, without its 'Z'. */
    private static volatile Second last = new Second(0, "1970-01-01T00:00:00");

    private InstantText() {}

    static String of(Instant t) {
        long second = t.getEpochSecond();
        if (second < MIN_SECOND || second > MAX_SECOND) {
            return t.toString();
        }
        Second s = last;
        if (s.epochSecond() != second) {
            String whole = Instant.ofEpochSecond(second).toString(); // "...:ssZ": no fraction at whole seconds
            s = new Second(second, whole.substring(0, whole.length() - 1));
            last = s;
        }
        StringBuilder out = new StringBuilder(s.text().length() + 11).append(s.text());
        int nanos = t.getNano();
        if (nanos > 0) {
            // as Instant.toString: the fraction in groups of three digits, as many as it needs
            int digits = nanos % 1_000_000 == 0 ? 3 : nanos % 1_000 == 0 ? 6 : 9;
            int value = digits == 3 ? nanos / 1_000_000 : digits == 6 ? nanos / 1_000 : nanos;
            String v = Integer.toString(value);
            out.append('.');
            for (int i = v.length(); i < digits; i++) {
                out.append('0');
            }
            out.append(v);
        }
        return out.append('Z').toString();
    }
}
