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
        String reason = e.getStatus().getCode().name();
        com.google.rpc.Status status = StatusProto.fromThrowable(e);
        if (status != null) {
            for (Any detail : status.getDetailsList()) {
                if (detail.is(ErrorInfo.class)) {
                    try {
                        reason = detail.unpack(ErrorInfo.class).getReason();
                    } catch (InvalidProtocolBufferException ignored) {
                        // keep the status code name
                    }
                }
            }
        }
        String description = e.getStatus().getDescription();
        String message = description == null ? reason : description.startsWith(reason) ? description : reason + ": " + description;
        return KinkoException.of(reason, e.getStatus().getCode(), message, e);
    }
}
