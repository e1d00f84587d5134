package dev.kinko.client;

import io.grpc.Status;

/**
 * A call Kinko refused or could not serve. {@link #reason()} is the reason code
 * from the server's {@code google.rpc.ErrorInfo} (SECRET_NOT_FOUND, ...), or
 * the gRPC status name when the server sent none. Never carries a secret value.
 *
 * <p>{@link #of} picks the typed subclass for a reason: {@link SecretNotFoundException},
 * {@link ReplicaReadOnlyException}, {@link SecretExistsException},
 * {@link ScheduledForDeletionException}, {@link IdempotencyConflictException},
 * {@link InvalidRequestException} (any INVALID_ARGUMENT), {@link UnauthenticatedException} (any
 * UNAUTHENTICATED), {@link AccessDeniedException} (any PERMISSION_DENIED); {@link PrimaryRegionUnavailableException}
 * comes from the client itself.
 */
public class KinkoException extends RuntimeException {
    private final String reason;
    private final Status.Code code;

    public KinkoException(String reason, Status.Code code, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.code = code;
    }

    /** The typed exception for a reason and status code. */
    public static KinkoException of(String reason, Status.Code code, String message, Throwable cause) {
        switch (reason) {
            case SecretNotFoundException.REASON:
                return new SecretNotFoundException(reason, code, message, cause);
            case ReplicaReadOnlyException.REASON:
                return new ReplicaReadOnlyException(reason, code, message, cause);
            case SecretExistsException.REASON:
                return new SecretExistsException(reason, code, message, cause);
            case ScheduledForDeletionException.REASON:
                return new ScheduledForDeletionException(reason, code, message, cause);
            case IdempotencyConflictException.REASON:
                return new IdempotencyConflictException(reason, code, message, cause);
            default:
                if (code == Status.Code.UNAUTHENTICATED) {
                    return new UnauthenticatedException(reason, code, message, cause);
                }
                if (code == Status.Code.PERMISSION_DENIED) {
                    return new AccessDeniedException(reason, code, message, cause);
                }
                if (code == Status.Code.INVALID_ARGUMENT) {
                    return new InvalidRequestException(reason, code, message, cause);
                }
                return new KinkoException(reason, code, message, cause);
        }
    }

    public String reason() {
        return reason;
    }

    public Status.Code code() {
        return code;
    }
}
