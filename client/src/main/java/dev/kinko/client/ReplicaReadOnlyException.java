package dev.kinko.client;

import io.grpc.Status;

/** A write reached a region that holds the secret as a read-only replica (reason {@code REPLICA_READ_ONLY}); the message names the primary region. */
public class ReplicaReadOnlyException extends KinkoException {
    public static final String REASON = "REPLICA_READ_ONLY";

    public ReplicaReadOnlyException(String reason, Status.Code code, String message, Throwable cause) {
        super(reason, code, message, cause);
    }
}
