package dev.kinko.server.domain;

/**
 * Why a request was refused. The name is the reason code clients see in
 * {@code google.rpc.ErrorInfo}; the kind decides the gRPC status code.
 */
public enum Reason {
    SECRET_NOT_FOUND(Kind.NOT_FOUND),
    VERSION_NOT_FOUND(Kind.NOT_FOUND),
    SECRET_EXISTS(Kind.ALREADY_EXISTS),
    INVALID_NAME(Kind.INVALID_ARGUMENT),
    INVALID_SECRET_ID(Kind.INVALID_ARGUMENT),
    VALUE_TOO_LARGE(Kind.INVALID_ARGUMENT),
    /** A write whose Raft command would exceed the size one log entry may have. */
    COMMAND_TOO_LARGE(Kind.INVALID_ARGUMENT),
    EMPTY_VALUE(Kind.INVALID_ARGUMENT),
    INVALID_TOKEN(Kind.INVALID_ARGUMENT),
    INVALID_REQUEST_ID(Kind.INVALID_ARGUMENT),
    INVALID_LABEL(Kind.INVALID_ARGUMENT),
    TOO_MANY_LABELS(Kind.INVALID_ARGUMENT),
    INVALID_DESCRIPTION(Kind.INVALID_ARGUMENT),
    INVALID_TAG(Kind.INVALID_ARGUMENT),
    TOO_MANY_TAGS(Kind.INVALID_ARGUMENT),
    INVALID_PAGE_SIZE(Kind.INVALID_ARGUMENT),
    INVALID_PAGE_TOKEN(Kind.INVALID_ARGUMENT),
    INVALID_RECOVERY_WINDOW(Kind.INVALID_ARGUMENT),
    INVALID_VERSION_SELECTOR(Kind.INVALID_ARGUMENT),
    TOO_MANY_SECRET_IDS(Kind.INVALID_ARGUMENT),
    INVALID_PASSWORD_OPTIONS(Kind.INVALID_ARGUMENT),
    INVALID_MEMBER(Kind.INVALID_ARGUMENT),
    IDEMPOTENCY_CONFLICT(Kind.FAILED_PRECONDITION),
    SCHEDULED_FOR_DELETION(Kind.FAILED_PRECONDITION),
    VERSION_LIMIT_EXCEEDED(Kind.FAILED_PRECONDITION),
    REGION_KEY_CONFLICT(Kind.ABORTED),
    LABEL_CONFLICT(Kind.FAILED_PRECONDITION),
    /** The secret was deleted or re-created between the leader's check and the commit; retry. */
    SECRET_CHANGED(Kind.ABORTED),
    /** The region has no leader this node knows of (an election is under way); retry. */
    NO_LEADER(Kind.UNAVAILABLE),
    /** This node (or the leader) cannot serve yet: starting, shutting down, or a new leader not yet ready; retry. */
    NOT_READY(Kind.UNAVAILABLE),
    /** The node that took the request is no longer the leader; retry (through any node). */
    NOT_LEADER(Kind.UNAVAILABLE),
    /**
     * The leader Ratis names could not be reached from this node (connection refused, reset, or no
     * answer in time), before the request could take effect there; retry.
     */
    LEADER_UNREACHABLE(Kind.UNAVAILABLE),
    /**
     * A write forwarded to the leader whose outcome is unknown: the connection broke or the attempt's
     * deadline ran out after it was sent, so the leader may have committed it. Retry with the same
     * request id or client request token: the leader answers a repeat with the first result.
     */
    FORWARD_OUTCOME_UNKNOWN(Kind.UNAVAILABLE),
    /** Raft did not complete the request in time (no quorum answered); an appended write may still commit; retry. */
    RAFT_TIMEOUT(Kind.UNAVAILABLE),
    /** The call's deadline ran out on the node (e.g. while it waited for a new leader to be elected). */
    DEADLINE_EXCEEDED(Kind.DEADLINE_EXCEEDED),
    OVERLOADED(Kind.RESOURCE_EXHAUSTED),
    NOTHING_TO_UPDATE(Kind.INVALID_ARGUMENT),
    REGION_KEY_UNAVAILABLE(Kind.FAILED_PRECONDITION),
    ADMIN_FAILED(Kind.FAILED_PRECONDITION),
    REPLICA_READ_ONLY(Kind.FAILED_PRECONDITION),
    UNKNOWN_REGION(Kind.INVALID_ARGUMENT),
    INVALID_REPLICA_REGION(Kind.INVALID_ARGUMENT),
    NOT_A_REPLICA(Kind.FAILED_PRECONDITION),
    NOT_A_REPLICA_REGION(Kind.FAILED_PRECONDITION),
    HAS_REPLICAS(Kind.FAILED_PRECONDITION),
    REGION_PROMOTED(Kind.FAILED_PRECONDITION),
    /** A replica region holds less of a source's journal than the source thinks (it was restored). */
    REPLICA_GAP(Kind.FAILED_PRECONDITION),
    LINK_IN_USE(Kind.FAILED_PRECONDITION),
    INVALID_LINK(Kind.INVALID_ARGUMENT),
    /** A replication batch breaks a rule client input meets (names, sizes, counts) or its sequence rules. */
    INVALID_REPLICATION_BATCH(Kind.INVALID_ARGUMENT),
    /** No credentials, or credentials that do not identify anyone (bogus, expired, revoked token). */
    UNAUTHENTICATED(Kind.UNAUTHENTICATED),
    /** The caller's policies do not allow the action on the resource (or explicitly deny it). */
    ACCESS_DENIED(Kind.PERMISSION_DENIED),
    /** A replication batch names a source region other than the one its certificate names. */
    SOURCE_REGION_MISMATCH(Kind.PERMISSION_DENIED),
    MALFORMED_POLICY(Kind.INVALID_ARGUMENT),
    POLICY_NOT_FOUND(Kind.NOT_FOUND),
    TOKEN_NOT_FOUND(Kind.NOT_FOUND),
    INVALID_TTL(Kind.INVALID_ARGUMENT),
    /** The caller sent more requests than its rate limit allows; retry later. */
    RATE_LIMITED(Kind.RESOURCE_EXHAUSTED),
    /** The node cannot write its audit log, so it serves nothing (audit fails closed). */
    AUDIT_UNAVAILABLE(Kind.UNAVAILABLE),
    /**
     * The leader's data directory has less free space than a node keeps in reserve, so it takes
     * no new writes until space returns (reads still work); retry, on this or another node.
     */
    DISK_FULL(Kind.UNAVAILABLE),
    /** RotationRules that break AWS's rules (ranges, the expression's shape, the window). */
    INVALID_ROTATION_RULES(Kind.INVALID_ARGUMENT),
    /** A rotator name that is not password, postgresql-single-user, postgresql-alternating-users or external:NAME. */
    UNKNOWN_ROTATOR(Kind.INVALID_ARGUMENT),
    /** A rotation is in progress, or PENDING is on a version that is not CURRENT: finish or cancel it first. */
    ROTATION_IN_PROGRESS(Kind.FAILED_PRECONDITION),
    /** The last rotation gave up after its attempts: CancelRotateSecret before rotating again. */
    ROTATION_FAILED(Kind.FAILED_PRECONDITION),
    /** A ReportRotationStep without a step, or with an error message longer than a rotation error may be. */
    INVALID_ROTATION_REPORT(Kind.INVALID_ARGUMENT),
    /** RotateSecret with rotate_immediately=false: the rotator cannot work with the secret's CURRENT value. */
    ROTATION_SETUP_FAILED(Kind.FAILED_PRECONDITION),
    INTERNAL(Kind.INTERNAL);

    /** Transport-neutral error class; the API layer maps it to a gRPC status code. */
    public enum Kind {
        NOT_FOUND, ALREADY_EXISTS, INVALID_ARGUMENT, FAILED_PRECONDITION, ABORTED, UNAVAILABLE, RESOURCE_EXHAUSTED,
        UNAUTHENTICATED, PERMISSION_DENIED, DEADLINE_EXCEEDED, INTERNAL
    }

    private final Kind kind;

    Reason(Kind kind) {
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
