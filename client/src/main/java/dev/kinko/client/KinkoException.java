package dev.kinko.client;

import io.grpc.Status;

/**
 * A call Kinko refused or could not serve. {@link #reason()} is the reason code
 * from the server's {@code google.rpc.ErrorInfo} (SECRET_NOT_FOUND, ...), or
 * the gRPC status name when the server sent none. Never carries a secret value.
 */
public class KinkoException extends RuntimeException {
    private final String reason;
    private final Status.Code code;

    public KinkoException(String reason, Status.Code code, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.code = code;
    }

    public String reason() {
        return reason;
    }

    public Status.Code code() {
        return code;
    }
}
