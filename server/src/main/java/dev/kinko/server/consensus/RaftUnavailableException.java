package dev.kinko.server.consensus;

/** The Raft group could not take or answer a request now (no leader, not running, timed out). */
public final class RaftUnavailableException extends RuntimeException {
    public RaftUnavailableException(String message) {
        super(message, null, false, false);
    }
}
