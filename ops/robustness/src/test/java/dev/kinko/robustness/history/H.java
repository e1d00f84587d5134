package dev.kinko.robustness.history;

import java.util.List;

/** Short ways to write ops in tests: times in ms, key "k" unless given. */
final class H {
    private H() {
    }

    static final long MS = 1_000_000L;

    static Op w(int client, String value, double invokeMs, double completeMs) {
        return op(client, "k", Op.Kind.WRITE, value, invokeMs, completeMs, Op.Outcome.OK);
    }

    static Op r(int client, String value, double invokeMs, double completeMs) {
        return op(client, "k", Op.Kind.READ, value, invokeMs, completeMs, Op.Outcome.OK);
    }

    static Op wUnknown(int client, String value, double invokeMs, double completeMs) {
        return op(client, "k", Op.Kind.WRITE, value, invokeMs, completeMs, Op.Outcome.UNKNOWN);
    }

    static Op wFailed(int client, String value, double invokeMs, double completeMs) {
        return op(client, "k", Op.Kind.WRITE, value, invokeMs, completeMs, Op.Outcome.FAILED);
    }

    static Op op(int client, String key, Op.Kind kind, String value, double invokeMs, double completeMs,
                 Op.Outcome outcome) {
        return new Op(client, key, kind, value, (long) (invokeMs * MS), (long) (completeMs * MS), outcome,
                outcome == Op.Outcome.OK ? "" : (outcome == Op.Outcome.FAILED ? "NOT_LEADER" : "DEADLINE"));
    }

    static Op onKey(Op op, String key) {
        return new Op(op.client(), key, op.kind(), op.value(), op.invokeNanos(), op.completeNanos(), op.outcome(),
                op.reason());
    }

    static List<Op> onKey(String key, Op... ops) {
        return java.util.Arrays.stream(ops).map(o -> onKey(o, key)).toList();
    }
}
