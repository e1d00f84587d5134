package dev.kinko.cli;

import dev.kinko.client.KinkoException;
import io.grpc.Status;

/**
 * The errors {@code kinko agent} answers, as the AWS Secrets Manager Agent does: an HTTP status
 * and a body {@code {"__type": "<type>", "message": "..."}} (also in the {@code X-Amzn-ErrorType}
 * header). The whole table:
 *
 * <pre>
 * situation                                          status  __type
 * no or wrong X-Aws-Parameters-Secrets-Token header   403    AccessDeniedException
 * secret or version not found (NOT_FOUND)             400    ResourceNotFoundException
 * bad query: no secretId, both versionStage and
 *   versionId, an unknown parameter, too long ...     400    InvalidParameterException
 * Kinko refused the request (INVALID_ARGUMENT,
 *   FAILED_PRECONDITION: e.g. scheduled for deletion) 400    InvalidRequestException
 * the agent's identity may not read it
 *   (PERMISSION_DENIED, UNAUTHENTICATED)              400    AccessDeniedException
 * Kinko unreachable (every region) and nothing cached 500    InternalServiceError
 * a path other than /secretsmanager/get and /ping     404    NotFoundException
 * a method other than GET                             405    MethodNotAllowedException
 * </pre>
 */
enum AgentError {
    TOKEN(403, "AccessDeniedException"),
    RESOURCE_NOT_FOUND(400, "ResourceNotFoundException"),
    INVALID_PARAMETER(400, "InvalidParameterException"),
    INVALID_REQUEST(400, "InvalidRequestException"),
    ACCESS_DENIED(400, "AccessDeniedException"),
    INTERNAL(500, "InternalServiceError"),
    NO_SUCH_PATH(404, "NotFoundException"),
    METHOD_NOT_ALLOWED(405, "MethodNotAllowedException");

    final int status;
    final String type;

    AgentError(int status, String type) {
        this.status = status;
        this.type = type;
    }

    /** The error for a failed read from Kinko (after the cache had nothing to serve instead). */
    static AgentError of(RuntimeException failure) {
        if (!(failure instanceof KinkoException k) || k.code() == null) {
            return INTERNAL;
        }
        return switch (k.code()) {
            case NOT_FOUND -> RESOURCE_NOT_FOUND;
            case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> INVALID_REQUEST;
            case PERMISSION_DENIED, UNAUTHENTICATED -> ACCESS_DENIED;
            default -> INTERNAL;
        };
    }

    /**
     * Whether a failure may pass (region unreachable, between leaders, overloaded, ...): then the
     * last cached value is served instead. A definite answer (not found, denied, invalid) is not.
     */
    static boolean transientFailure(RuntimeException failure) {
        if (!(failure instanceof KinkoException k) || k.code() == null) {
            return true;
        }
        Status.Code c = k.code();
        return c != Status.Code.NOT_FOUND && c != Status.Code.INVALID_ARGUMENT && c != Status.Code.FAILED_PRECONDITION
                && c != Status.Code.OUT_OF_RANGE && c != Status.Code.PERMISSION_DENIED && c != Status.Code.UNAUTHENTICATED;
    }
}
