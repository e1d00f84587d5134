package dev.kinko.server.consensus;

import dev.kinko.server.domain.Reason;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.GroupMismatchException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.RaftRetryFailureException;
import org.apache.ratis.protocol.exceptions.ReadException;
import org.apache.ratis.protocol.exceptions.ReadIndexException;
import org.apache.ratis.protocol.exceptions.ResourceUnavailableException;
import org.apache.ratis.protocol.exceptions.ServerNotReadyException;
import org.apache.ratis.protocol.exceptions.StaleReadException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;

/**
 * The one place that reads Ratis's failures: each transient one becomes a
 * {@link RaftUnavailableException} with the {@link Reason} a caller sees; anything else (a state
 * machine that failed to apply, a bug) is returned as it is, for the caller's INTERNAL path.
 *
 * <p>Ratis wraps its failures (a follower's read index fails as a {@link ReadIndexException} or
 * {@link ReadException} around the gRPC error of its call to the leader), so the cause chain is
 * walked from the outside in and the first failure known here decides.
 */
public final class RaftErrors {
    /** How deep a cause chain is followed (Ratis wraps two or three times). */
    static final int MAX_DEPTH = 8;

    private RaftErrors() {}

    /** {@code error} as a RaftUnavailableException when it is transient, else the unwrapped error itself. */
    public static Throwable map(Throwable error) {
        Throwable outer = unwrap(error);
        Throwable t = outer;
        boolean read = false;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
            if (t instanceof RaftUnavailableException) {
                return t;
            }
            if (t instanceof StateMachineException) {
                return outer; // the state machine failed to apply or start the entry: not transient
            }
            Reason reason = reasonOf(t);
            if (reason != null) {
                return new RaftUnavailableException(reason, describe(t));
            }
            if (t instanceof ReadException || t instanceof ReadIndexException) {
                read = true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        if (read) {
            return new RaftUnavailableException(Reason.LEADER_UNREACHABLE,
                    "the read index could not be had from the leader: " + describe(outer));
        }
        if (outer instanceof IOException) {
            return new RaftUnavailableException(Reason.NOT_READY, "the Raft server could not take the request: "
                    + describe(outer));
        }
        return outer;
    }

    /** Whether {@code error} or one of its causes is a Ratis type (so {@link #map} should read it). */
    public static boolean fromRatis(Throwable error) {
        Throwable t = error;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
            if (t.getClass().getName().startsWith("org.apache.ratis.")) {
                return true;
            }
        }
        return false;
    }

    /** {@link #map} as an unchecked exception, to throw from a future's stage. */
    public static RuntimeException asRuntime(Throwable error) {
        Throwable t = map(error);
        return t instanceof RuntimeException r ? r : new CompletionException(t);
    }

    /** The reason of one failure, not looking at its causes; null when it is not a known transient one. */
    static Reason reasonOf(Throwable t) {
        if (t instanceof NotLeaderException || t instanceof LeaderSteppingDownException
                || t instanceof TransferLeadershipException) {
            return Reason.NOT_LEADER;
        }
        if (t instanceof LeaderNotReadyException || t instanceof ServerNotReadyException
                || t instanceof StaleReadException || t instanceof GroupMismatchException
                || t instanceof AlreadyClosedException) {
            return Reason.NOT_READY;
        }
        if (t instanceof ResourceUnavailableException) {
            return Reason.OVERLOADED;
        }
        if (t instanceof TimeoutIOException || t instanceof TimeoutException) {
            return Reason.RAFT_TIMEOUT;
        }
        if (t instanceof RaftRetryFailureException) {
            return Reason.NO_LEADER;
        }
        if (t instanceof org.apache.ratis.thirdparty.io.grpc.StatusRuntimeException
                || t instanceof org.apache.ratis.thirdparty.io.grpc.StatusException
                || t instanceof ConnectException || t instanceof ClosedChannelException) {
            return Reason.LEADER_UNREACHABLE;
        }
        return null;
    }

    private static String describe(Throwable t) {
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
