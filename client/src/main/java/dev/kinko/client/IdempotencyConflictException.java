package dev.kinko.client;

import io.grpc.Status;

/** The client request token was already used with another value (reason {@code IDEMPOTENCY_CONFLICT}). */
public class IdempotencyConflictException extends KinkoException {
    public static final String REASON = "IDEMPOTENCY_CONFLICT";

    public IdempotencyConflictException(String reason, Status.Code code, String message, Throwable cause) {
        super(reason, code, message, cause);
    }
}
