package dev.kinko.server.api;

import dev.kinko.server.domain.Limits;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.rpc.Statuses;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import java.util.regex.Pattern;

/**
 * The client's id of a write request, sent as the header {@code kinko-request-id} and kept the
 * same on every retry: the state machine returns the first result again for a request id it
 * applied before, so a retried delete, stage move or tag does what it did once.
 */
public final class RequestIds {
    public static final Metadata.Key<String> HEADER = Metadata.Key.of("kinko-request-id", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<String> CURRENT = Context.key("kinko-request-id");
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_-]{1," + Limits.MAX_REQUEST_ID_LENGTH + "}");

    private RequestIds() {}

    /** The current call's request id as the client sent it, or "" (forwarded to the leader as it is). */
    static String current() {
        String id = CURRENT.get();
        return id == null ? "" : id;
    }

    /**
     * The request id a command is remembered by: the caller's, scoped by who the caller is, so
     * another caller reusing an id (ids are in the audit log) gets neither the first result nor
     * a skipped write.
     */
    static String forCommand() {
        String id = current();
        return id.isEmpty() ? "" : dev.kinko.server.api.security.Caller.current().principal() + " " + id;
    }

    /** Puts a valid header into the call's context; refuses the call when the header is malformed. */
    static ServerInterceptor interceptor() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                              ServerCallHandler<Q, R> next) {
                String id = headers.get(HEADER);
                if (id == null) {
                    return next.startCall(call, headers);
                }
                if (!VALID.matcher(id).matches()) {
                    StatusRuntimeException refused = Statuses.of(Reason.INVALID_REQUEST_ID, "the header "
                            + HEADER.name() + " must be 1-" + Limits.MAX_REQUEST_ID_LENGTH
                            + " letters, digits, '-' or '_'");
                    call.close(refused.getStatus(), refused.getTrailers());
                    return new ServerCall.Listener<>() { };
                }
                return Contexts.interceptCall(Context.current().withValue(CURRENT, id), call, headers, next);
            }
        };
    }
}
