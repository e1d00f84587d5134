package dev.kinko.server.api.aws;

/**
 * A request {@link SigV4Verifier} refused: the AWS error type ({@code __type} and
 * {@code X-Amzn-ErrorType}) and HTTP status to answer with, and a message in AWS's words.
 */
public final class SigV4Exception extends RuntimeException {
    /**
     * AWS's refusals of a signature. Their status codes: Secrets Manager's own list of common
     * errors gives IncompleteSignature 400; UnrecognizedClientException and InvalidSignatureException
     * are not in it, and awsJson services (DynamoDB's error table, and what Secrets Manager answers
     * to the SDKs: "Signature expired" included) send both with 400. The generic common-errors page
     * says 403 for UnrecognizedClientException, but that is the REST services' answer.
     */
    public enum Type {
        /** No or a garbled Authorization header, a missing X-Amz-Date. */
        INCOMPLETE_SIGNATURE("IncompleteSignatureException", 400),
        /** A wrong signature, a wrong scope, an expired or not yet current date, a header that must be signed and is not. */
        INVALID_SIGNATURE("InvalidSignatureException", 400),
        /** An access key id that is unknown, revoked or expired (one answer for all), or a session token. */
        UNRECOGNIZED_CLIENT("UnrecognizedClientException", 400);

        private final String awsType;
        private final int httpStatus;

        Type(String awsType, int httpStatus) {
            this.awsType = awsType;
            this.httpStatus = httpStatus;
        }

        /** The error's name, for {@code __type} and {@code X-Amzn-ErrorType}. */
        public String awsType() {
            return awsType;
        }

        public int httpStatus() {
            return httpStatus;
        }
    }

    private final Type type;

    public SigV4Exception(Type type, String message) {
        super(message, null, false, false); // a refusal, not a fault: no stack trace to fill
        this.type = type;
    }

    public Type type() {
        return type;
    }

    public String awsType() {
        return type.awsType();
    }

    public int httpStatus() {
        return type.httpStatus();
    }
}
