package dev.kinko.server.audit;

/**
 * The audit log could not record an event, so the request must not be served (audit fails
 * closed; the API maps this to AUDIT_UNAVAILABLE). Unchecked like the project's other
 * availability errors; {@link AuditLog#append} declares it so callers see it. Its message names
 * at most the event's action, never other event fields.
 */
public final class AuditUnavailableException extends RuntimeException {
    public AuditUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
