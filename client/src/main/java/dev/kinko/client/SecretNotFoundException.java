package dev.kinko.client;

import io.grpc.Status;

/** The secret does not exist in the region asked (reason {@code SECRET_NOT_FOUND}). */
public class SecretNotFoundException extends KinkoException {
    public static final String REASON = "SECRET_NOT_FOUND";

    public SecretNotFoundException(String reason, Status.Code code, String message, Throwable cause) {
        super(reason, code, message, cause);
    }
}
