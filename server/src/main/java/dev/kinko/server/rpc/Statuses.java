package dev.kinko.server.rpc;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import dev.kinko.server.domain.Reason;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.Map;

/**
 * The error shape on the wire, both ways: a {@link Reason} as a gRPC status carrying a
 * {@code google.rpc.ErrorInfo}, and the ErrorInfo read back from a status another node sent.
 * Below {@code api}, {@code frontend} and {@code replication}, so the shipper (a client of
 * another region) reads errors with the same rules the services write them with.
 */
public final class Statuses {
    /** The ErrorInfo domain of every reason Kinko sends. */
    public static final String DOMAIN = "kinko.dev";

    private Statuses() {}

    public static StatusRuntimeException of(Reason reason, String message) {
        return of(reason, message, Map.of());
    }

    public static StatusRuntimeException of(Reason reason, String message, Map<String, String> metadata) {
        com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
                .setCode(code(reason.kind()).getNumber())
                .setMessage(reason.name() + ": " + message)
                .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(reason.name()).setDomain(DOMAIN)
                        .putAllMetadata(metadata).build()))
                .build();
        return StatusProto.toStatusRuntimeException(status);
    }

    /** The reason carried by a status, or empty. */
    public static String reasonOf(Throwable t) {
        return errorInfo(t).getReason();
    }

    /** The ErrorInfo carried by a status, or an empty one. */
    public static ErrorInfo errorInfo(Throwable t) {
        com.google.rpc.Status status = StatusProto.fromThrowable(t);
        if (status != null) {
            for (Any detail : status.getDetailsList()) {
                if (detail.is(ErrorInfo.class)) {
                    try {
                        return detail.unpack(ErrorInfo.class);
                    } catch (InvalidProtocolBufferException e) {
                        return ErrorInfo.getDefaultInstance();
                    }
                }
            }
        }
        return ErrorInfo.getDefaultInstance();
    }

    /** The gRPC status code of a kind of refusal. */
    public static Code code(Reason.Kind kind) {
        return switch (kind) {
            case NOT_FOUND -> Code.NOT_FOUND;
            case ALREADY_EXISTS -> Code.ALREADY_EXISTS;
            case INVALID_ARGUMENT -> Code.INVALID_ARGUMENT;
            case FAILED_PRECONDITION -> Code.FAILED_PRECONDITION;
            case ABORTED -> Code.ABORTED;
            case UNAVAILABLE -> Code.UNAVAILABLE;
            case RESOURCE_EXHAUSTED -> Code.RESOURCE_EXHAUSTED;
            case UNAUTHENTICATED -> Code.UNAUTHENTICATED;
            case PERMISSION_DENIED -> Code.PERMISSION_DENIED;
            case DEADLINE_EXCEEDED -> Code.DEADLINE_EXCEEDED;
            case INTERNAL -> Code.INTERNAL;
        };
    }
}
