package dev.kinko.server.api;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import dev.kinko.server.consensus.RaftUnavailableException;
import dev.kinko.server.crypto.CryptoException;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every failure as a gRPC status with a {@code google.rpc.ErrorInfo} whose reason is a {@link Reason}. */
public final class ErrorMapper {
    public static final String DOMAIN = "kinko.dev";
    private static final Logger LOG = LoggerFactory.getLogger(ErrorMapper.class);

    private ErrorMapper() {}

    public static StatusRuntimeException toStatus(Throwable error) {
        Throwable t = unwrap(error);
        if (t instanceof StatusRuntimeException s) {
            return s;
        }
        if (t instanceof KinkoException k) {
            return status(k.reason(), k.getMessage(), k.details());
        }
        if (t instanceof RaftUnavailableException) {
            return status(Reason.NO_LEADER, "the region cannot take the request now (" + t.getMessage() + "); retry");
        }
        if (t instanceof CryptoException) {
            LOG.error("sealing or unsealing failed: {}", t.getMessage());
            return status(Reason.REGION_KEY_UNAVAILABLE, t.getMessage());
        }
        LOG.error("unexpected failure", t);
        return status(Reason.INTERNAL, "internal error; the node's log has the details");
    }

    public static StatusRuntimeException status(Reason reason, String message) {
        return status(reason, message, Map.of());
    }

    public static StatusRuntimeException status(Reason reason, String message, Map<String, String> metadata) {
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
                    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                        return ErrorInfo.getDefaultInstance();
                    }
                }
            }
        }
        return ErrorInfo.getDefaultInstance();
    }

    private static Code code(Reason.Kind kind) {
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
            case INTERNAL -> Code.INTERNAL;
        };
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
