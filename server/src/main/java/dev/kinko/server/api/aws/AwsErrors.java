package dev.kinko.server.api.aws;

import dev.kinko.server.domain.Reason;
import dev.kinko.server.rpc.Statuses;
import io.grpc.StatusRuntimeException;
import java.util.EnumMap;
import java.util.Map;

/**
 * Kinko's reasons as the error types AWS Secrets Manager gives in the same situation (the table
 * in the README). Transient conditions become InternalServiceError (500), which the SDKs retry;
 * every other error is a 400, ResourceNotFoundException included, as AWS answers.
 */
final class AwsErrors {
    static final String RESOURCE_NOT_FOUND = "ResourceNotFoundException";
    static final String RESOURCE_EXISTS = "ResourceExistsException";
    static final String INVALID_REQUEST = "InvalidRequestException";
    static final String INVALID_PARAMETER = "InvalidParameterException";
    static final String INVALID_NEXT_TOKEN = "InvalidNextTokenException";
    static final String LIMIT_EXCEEDED = "LimitExceededException";
    static final String DECRYPTION_FAILURE = "DecryptionFailure";
    static final String MALFORMED_POLICY = "MalformedPolicyDocumentException";
    static final String ACCESS_DENIED = "AccessDeniedException";
    static final String UNRECOGNIZED_CLIENT = "UnrecognizedClientException";
    static final String THROTTLING = "ThrottlingException";
    static final String INTERNAL = "InternalServiceError";

    private static final Map<Reason, String> TYPES = new EnumMap<>(Reason.class);

    static {
        type(RESOURCE_NOT_FOUND, Reason.SECRET_NOT_FOUND, Reason.VERSION_NOT_FOUND, Reason.POLICY_NOT_FOUND,
                Reason.TOKEN_NOT_FOUND);
        type(RESOURCE_EXISTS, Reason.SECRET_EXISTS, Reason.IDEMPOTENCY_CONFLICT);
        type(INVALID_PARAMETER, Reason.INVALID_NAME, Reason.INVALID_SECRET_ID, Reason.VALUE_TOO_LARGE,
                Reason.COMMAND_TOO_LARGE, Reason.EMPTY_VALUE, Reason.INVALID_TOKEN, Reason.INVALID_REQUEST_ID,
                Reason.INVALID_LABEL, Reason.INVALID_DESCRIPTION, Reason.INVALID_TAG, Reason.INVALID_PAGE_SIZE,
                Reason.INVALID_RECOVERY_WINDOW, Reason.INVALID_VERSION_SELECTOR, Reason.INVALID_PASSWORD_OPTIONS,
                Reason.INVALID_MEMBER, Reason.UNKNOWN_REGION, Reason.INVALID_REPLICA_REGION, Reason.INVALID_LINK,
                Reason.INVALID_TTL, Reason.NOTHING_TO_UPDATE, Reason.INVALID_ROTATION_RULES, Reason.UNKNOWN_ROTATOR,
                Reason.INVALID_ROTATION_REPORT, Reason.INVALID_REPLICATION_BATCH);
        type(INVALID_NEXT_TOKEN, Reason.INVALID_PAGE_TOKEN);
        type(LIMIT_EXCEEDED, Reason.TOO_MANY_LABELS, Reason.TOO_MANY_TAGS, Reason.VERSION_LIMIT_EXCEEDED,
                Reason.TOO_MANY_SECRET_IDS);
        type(INVALID_REQUEST, Reason.SCHEDULED_FOR_DELETION, Reason.LABEL_CONFLICT, Reason.ADMIN_FAILED,
                Reason.REPLICA_READ_ONLY, Reason.NOT_A_REPLICA, Reason.NOT_A_REPLICA_REGION, Reason.HAS_REPLICAS,
                Reason.REGION_PROMOTED, Reason.REPLICA_GAP, Reason.LINK_IN_USE, Reason.ROTATION_IN_PROGRESS,
                Reason.ROTATION_FAILED, Reason.ROTATION_SETUP_FAILED, Reason.SOURCE_REGION_MISMATCH);
        type(DECRYPTION_FAILURE, Reason.REGION_KEY_UNAVAILABLE);
        type(MALFORMED_POLICY, Reason.MALFORMED_POLICY);
        type(ACCESS_DENIED, Reason.ACCESS_DENIED);
        type(UNRECOGNIZED_CLIENT, Reason.UNAUTHENTICATED);
        type(THROTTLING, Reason.RATE_LIMITED, Reason.OVERLOADED);
    }

    private AwsErrors() {}

    private static void type(String type, Reason... reasons) {
        for (Reason r : reasons) {
            TYPES.put(r, type);
        }
    }

    /** AWS's type for a reason: the table, else InternalServiceError for what is transient or internal. */
    static String typeOf(Reason reason) {
        return TYPES.getOrDefault(reason, INTERNAL);
    }

    /** The error AWS would answer for a refusal of the gRPC API. */
    static AwsError of(StatusRuntimeException e) {
        Reason reason;
        try {
            reason = Reason.valueOf(Statuses.reasonOf(e));
        } catch (IllegalArgumentException | NullPointerException unknown) {
            reason = Reason.INTERNAL;
        }
        String type = typeOf(reason);
        String message = e.getStatus().getDescription() == null ? reason.name() : e.getStatus().getDescription();
        if (message.startsWith(reason.name() + ": ")) { // the gRPC API leads with the reason; AWS has it in __type
            message = message.substring(reason.name().length() + 2);
        }
        return new AwsError(type, type.equals(INTERNAL) ? AwsError.INTERNAL : AwsError.BAD_REQUEST, message);
    }

    /** Every reason has a row (a test walks them; new reasons must be placed). */
    static Map<Reason, String> table() {
        return Map.copyOf(TYPES);
    }
}
