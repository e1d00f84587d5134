package dev.kinko.client;

import io.grpc.Status;

/** The secret is scheduled for deletion: it can only be described or restored (reason {@code SCHEDULED_FOR_DELETION}). */
public class ScheduledForDeletionException extends KinkoException {
    public static final String REASON = "SCHEDULED_FOR_DELETION";

    public ScheduledForDeletionException(String reason, Status.Code code, String message, Throwable cause) {
        super(reason, code, message, cause);
    }
}
