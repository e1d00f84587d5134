package dev.kinko.robustness.history;

import java.util.Locale;

/** Readable one-line forms of ops and times, relative to an origin, for checkers' messages. */
final class Describe {
    private Describe() {
    }

    /** {@code nanos} as milliseconds since {@code originNanos}, e.g. {@code 1234.567 ms}. */
    static String ms(long nanos, long originNanos) {
        return String.format(Locale.ROOT, "%.3f ms", (nanos - originNanos) / 1e6);
    }

    static String value(String value) {
        return value == null ? "null" : "'" + value + "'";
    }

    /**
     * One op, e.g. {@code client 3 write 'v17' [10.250 ms .. 12.001 ms] OK} or
     * {@code client 1 read -> 'v9' [..] OK}; an UNKNOWN op's interval reads
     * {@code [10.250 ms .. ?]} with the time its client gave up.
     */
    static String op(Op op, long originNanos) {
        StringBuilder s = new StringBuilder();
        s.append("client ").append(op.client()).append(' ');
        if (op.kind() == Op.Kind.WRITE) {
            s.append("write ").append(value(op.value()));
        } else {
            s.append("read -> ").append(op.outcome() == Op.Outcome.OK ? value(op.value()) : "(no answer)");
        }
        s.append(" [").append(ms(op.invokeNanos(), originNanos)).append(" .. ");
        if (op.outcome() == Op.Outcome.UNKNOWN) {
            s.append("? (client gave up at ").append(ms(op.completeNanos(), originNanos)).append(")");
        } else {
            s.append(ms(op.completeNanos(), originNanos));
        }
        s.append("] ").append(op.outcome());
        if (op.reason() != null && !op.reason().isEmpty()) {
            s.append(' ').append(op.reason());
        }
        return s.toString();
    }
}
