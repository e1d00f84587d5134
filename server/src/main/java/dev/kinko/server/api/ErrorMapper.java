package dev.kinko.server.api;

import dev.kinko.server.consensus.RaftErrors;
import dev.kinko.server.consensus.RaftUnavailableException;
import dev.kinko.server.crypto.CryptoException;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.rpc.Statuses;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Any failure a service meets as the status its caller gets: a {@link Reason} through
 * {@link Statuses}, and the exceptions of the layers below (Raft unavailable, sealing failed,
 * a bug) as the reason that says what the caller can do.
 */
public final class ErrorMapper {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorMapper.class);

    private ErrorMapper() {}

    public static StatusRuntimeException toStatus(Throwable error) {
        Throwable t = unwrap(error);
        if (RaftErrors.fromRatis(t)) {
            t = RaftErrors.map(t); // a Ratis failure that reached here by another path than RaftNode's
        }
        if (t instanceof StatusRuntimeException s) {
            return s;
        }
        if (t instanceof KinkoException k) {
            return Statuses.of(k.reason(), k.getMessage(), k.details());
        }
        if (t instanceof RaftUnavailableException u) {
            return Statuses.of(u.reason(), "the region cannot take the request now (" + u.getMessage() + "); retry");
        }
        if (t instanceof CryptoException) {
            LOG.error("sealing or unsealing failed: {}", t.getMessage());
            return Statuses.of(Reason.REGION_KEY_UNAVAILABLE, t.getMessage());
        }
        LOG.error("unexpected failure", t);
        return Statuses.of(Reason.INTERNAL, "internal error; the node's log has the details");
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
