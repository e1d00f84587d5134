package dev.kinko.client;

import io.grpc.Status;

/** The caller's policies do not allow the call (PERMISSION_DENIED), whether or not the secret exists. */
public final class AccessDeniedException extends KinkoException {
    public AccessDeniedException(String reason, Status.Code code, String message, Throwable cause) {
        super(reason, code, message, cause);
    }
}
