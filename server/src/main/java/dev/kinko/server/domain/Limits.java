package dev.kinko.server.domain;

/** Every limit Kinko enforces, in one place. Each has a test at the edge and one past it. */
public final class Limits {
    private Limits() {}

    /** Largest value, in bytes (a string is measured as UTF-8). */
    public static final int MAX_VALUE_BYTES = 65_536;
    public static final int MAX_NAME_LENGTH = 512;
    public static final int MIN_TOKEN_LENGTH = 32;
    public static final int MAX_TOKEN_LENGTH = 64;
    public static final int MAX_LABELS_PER_VERSION = 20;
    public static final int MAX_LABEL_LENGTH = 256;
    public static final int MAX_DESCRIPTION_LENGTH = 2_048;
    /** Versions a secret keeps; past this the oldest deprecated (unlabelled) versions are removed. */
    public static final int MAX_VERSIONS = 100;
    /**
     * Secrets one Raft entry of a chunked job (promotion, region copy, re-seed range) touches at
     * most, so the apply thread is never held for long by one entry.
     */
    public static final int CHUNK_SECRETS = 500;
    public static final int MAX_PAGE_SIZE = 100;
    public static final int MAX_TAGS = 50;
    public static final int MAX_TAG_KEY_LENGTH = 128;
    public static final int MAX_TAG_VALUE_LENGTH = 256;
    public static final int MAX_BATCH_GET_IDS = 20;
    public static final int MIN_RECOVERY_WINDOW_DAYS = 7;
    public static final int MAX_RECOVERY_WINDOW_DAYS = 30;
    public static final int DEFAULT_RECOVERY_WINDOW_DAYS = 30;
    public static final int MAX_PASSWORD_LENGTH = 4_096;
    public static final int DEFAULT_PASSWORD_LENGTH = 32;
    /** Replica regions named in one request at most. */
    public static final int MAX_REPLICA_REGIONS = 10;
    /** Longest list page token accepted (it holds a secret name). */
    public static final int MAX_PAGE_TOKEN_LENGTH = 1_024;
    /** A request id (header kinko-request-id): 1-64 letters, digits, '-' or '_'. */
    public static final int MAX_REQUEST_ID_LENGTH = 64;
    /** How long a request id's result is kept for retries. */
    public static final java.time.Duration REQUEST_RETENTION = java.time.Duration.ofHours(1);
    /** Largest policy document, in bytes of its JSON text (UTF-8). */
    public static final int MAX_POLICY_BYTES = 20_480;
    public static final int MAX_POLICY_STATEMENTS = 100;
    /** A policy name: 1-128 letters, digits or +=,.@_- (see PolicyNames). */
    public static final int MAX_POLICY_NAME_LENGTH = 128;

    /** A token's time to live when its creator gives none. */
    public static final java.time.Duration DEFAULT_TOKEN_TTL = java.time.Duration.ofDays(30);
    public static final java.time.Duration MIN_TOKEN_TTL = java.time.Duration.ofMinutes(1);
    public static final java.time.Duration MAX_TOKEN_TTL = java.time.Duration.ofDays(3_650);
    public static final int MAX_TOKEN_NAME_LENGTH = 128;
    /** Longest rotation error kept (and shown by DescribeSecret); a longer one is cut. */
    public static final int MAX_ROTATION_ERROR_CHARS = 1_024;
    /** Client-certificate identities one policy applies to at most. */
    public static final int MAX_POLICY_CLIENTS = 100;
}
