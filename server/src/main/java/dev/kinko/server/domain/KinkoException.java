package dev.kinko.server.domain;

import java.util.Map;

/**
 * A refused request. The message names the rule that was broken and never
 * contains a secret value or a key; details carry machine-readable facts
 * (they become {@code google.rpc.ErrorInfo} metadata).
 */
public final class KinkoException extends RuntimeException {
    /** Detail of REGION_PROMOTED and REPLICA_GAP: the source sequence the replica region has applied. */
    public static final String APPLIED_SEQ = "applied_seq";
    private final Reason reason;
    private final Map<String, String> details;

    public KinkoException(Reason reason, String message) {
        this(reason, message, Map.of());
    }

    public KinkoException(Reason reason, String message, Map<String, String> details) {
        super(message, null, false, false);
        this.reason = reason;
        this.details = Map.copyOf(details);
    }

    public Reason reason() {
        return reason;
    }

    public Map<String, String> details() {
        return details;
    }
}
