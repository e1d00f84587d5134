package dev.kinko.client;

import io.grpc.Status;

/** A secret of that name already exists (reason {@code SECRET_EXISTS}). */
public class SecretExistsException extends KinkoException {
    public static final String REASON = "SECRET_EXISTS";

    public SecretExistsException(String reason, Status.Code code, String message, Throwable cause) {
        super(reason, code, message, cause);
    }
}
