package dev.kinko.server.rotation;

/**
 * A step that failed. The message is stored in the secret's rotation state and shown by
 * DescribeSecret, so it names what went wrong and never holds a secret value.
 */
public final class RotationException extends Exception {
    public RotationException(String message) {
        super(message);
    }

    public RotationException(String message, Throwable cause) {
        super(message, cause);
    }
}
