package dev.kinko.client;

import io.grpc.Status;

/** No valid credentials: no token, or a bogus, expired or revoked one (UNAUTHENTICATED). */
public final class UnauthenticatedException extends KinkoException {
    public UnauthenticatedException(String reason, Status.Code code, String message, Throwable cause) {
        super(reason, code, message, cause);
    }
}
