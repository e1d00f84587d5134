package dev.kinko.server.audit;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * One audited request. The record has no field that could carry a secret value, a token or a
 * key, so an audit line cannot leak one; absent parts are "" rather than null.
 *
 * @param accessor the token's accessor id (never the token itself), or ""
 * @param source the caller's remote address
 * @param version the version id the request touched, or ""
 * @param outcome {@link #ALLOWED}, {@link #DENIED} or {@link #ERROR}
 * @param reason the reason code (e.g. ACCESS_DENIED), or ""
 */
public record AuditEvent(Instant time, String node, String principal, String accessor, String source, String action,
        String resource, String version, String outcome, String reason, String requestId) {
    public static final String ALLOWED = "allowed";
    public static final String DENIED = "denied";
    public static final String ERROR = "error";
    private static final Set<String> OUTCOMES = Set.of(ALLOWED, DENIED, ERROR);

    public AuditEvent {
        Objects.requireNonNull(time, "time");
        for (String s : new String[] {node, principal, accessor, source, action, resource, version, outcome, reason, requestId}) {
            Objects.requireNonNull(s, "audit event fields are never null; use \"\" for an absent one");
        }
        if (!OUTCOMES.contains(outcome)) {
            throw new IllegalArgumentException("outcome must be allowed, denied or error, not " + outcome);
        }
    }
}
