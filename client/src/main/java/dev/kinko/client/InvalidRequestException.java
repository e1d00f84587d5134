package dev.kinko.client;

import io.grpc.Status;

/**
 * The server refused the request as malformed: any {@code INVALID_ARGUMENT} status
 * ({@code INVALID_NAME}, {@code VALUE_TOO_LARGE}, {@code INVALID_TOKEN}, ...); {@link #reason()} says which rule.
 */
public class InvalidRequestException extends KinkoException {
    public InvalidRequestException(String reason, Status.Code code, String message, Throwable cause) {
        super(reason, code, message, cause);
    }
}
