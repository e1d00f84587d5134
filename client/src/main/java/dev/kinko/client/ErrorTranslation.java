package dev.kinko.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/** A gRPC status as the typed {@link KinkoException} of its ErrorInfo reason; never carries a value. */
final class ErrorTranslation {
    private ErrorTranslation() {}

    static KinkoException translate(StatusRuntimeException e) {
        String reason = reason(e);
        if (reason.isEmpty()) {
            reason = e.getStatus().getCode().name();
        }
        String description = e.getStatus().getDescription();
        String message = description == null ? reason : description.startsWith(reason) ? description : reason + ": " + description;
        return KinkoException.of(reason, e.getStatus().getCode(), message, e);
    }

    /** The ErrorInfo reason of a status, or empty when it carries none. */
    static String reason(StatusRuntimeException e) {
        com.google.rpc.Status status = StatusProto.fromThrowable(e);
        if (status != null) {
            for (Any detail : status.getDetailsList()) {
                if (detail.is(ErrorInfo.class)) {
                    try {
                        return detail.unpack(ErrorInfo.class).getReason();
                    } catch (InvalidProtocolBufferException ignored) {
                        return ""; // the status code name stands in
                    }
                }
            }
        }
        return "";
    }
}
