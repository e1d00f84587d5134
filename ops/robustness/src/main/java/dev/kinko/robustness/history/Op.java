package dev.kinko.robustness.history;

/**
 * One client operation on one secret, as the application saw it: what it asked, when it asked
 * (invoke) and when it had the answer (complete), both from one monotonic clock
 * ({@link System#nanoTime()}) in the process that ran the clients.
 *
 * @param client     the client (thread) that ran it; one client has at most one op in flight
 * @param key        the secret's name
 * @param kind       a write of {@code value} or a read that returned {@code value}
 * @param value      the value written, or the value a read returned ({@code null}: the secret had
 *                   no value yet); every write of a key writes a value no other write of it uses
 * @param outcome    OK, FAILED (known not to have taken effect) or UNKNOWN (may have taken effect,
 *                   at any time after invoke)
 * @param reason     the error's reason code (ErrorInfo reason, or the gRPC code when none), "" when OK
 */
public record Op(int client, String key, Kind kind, String value, long invokeNanos, long completeNanos,
                 Outcome outcome, String reason) {
    public enum Kind { WRITE, READ }

    public enum Outcome { OK, FAILED, UNKNOWN }
}
