package dev.kinko.server.api.aws;

/**
 * An error as the AWS API answers it: {@code {"__type": type, "message": ...}} with the HTTP
 * status, and the type in the {@code X-Amzn-ErrorType} header. Messages never carry a value.
 */
public final class AwsError extends RuntimeException {
    public static final int BAD_REQUEST = 400;
    public static final int FORBIDDEN = 403;
    public static final int INTERNAL = 500;

    private final String type;
    private final int status;

    public AwsError(String type, int status, String message) {
        super(message);
        this.type = type;
        this.status = status;
    }

    public static AwsError badRequest(String type, String message) {
        return new AwsError(type, BAD_REQUEST, message);
    }

    public String type() {
        return type;
    }

    public int status() {
        return status;
    }
}
