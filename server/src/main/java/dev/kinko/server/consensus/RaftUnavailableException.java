package dev.kinko.server.consensus;

import dev.kinko.server.domain.Reason;

/**
 * The Raft group could not take or answer a request now (no leader, not the leader, leader
 * unreachable, not running, timed out): a transient condition, with the {@link Reason} the caller
 * sees. {@link RaftErrors} turns Ratis's exceptions into it.
 */
public final class RaftUnavailableException extends RuntimeException {
    private final Reason reason;

    /** This node's Raft server cannot take requests (starting or shutting down). */
    public RaftUnavailableException(String message) {
        this(Reason.NOT_READY, message);
    }

    public RaftUnavailableException(Reason reason, String message) {
        super(message, null, false, false);
        if (reason.kind() != Reason.Kind.UNAVAILABLE && reason.kind() != Reason.Kind.RESOURCE_EXHAUSTED) {
            throw new IllegalArgumentException(reason + " is not a transient reason");
        }
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
