package dev.kinko.server.domain;

/**
 * A refused request. The message names the rule that was broken and never
 * contains a secret value or a key.
 */
public final class KinkoException extends RuntimeException {
    private final Reason reason;

    public KinkoException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
