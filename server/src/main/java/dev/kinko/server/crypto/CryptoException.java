package dev.kinko.server.crypto;

/** A sealing or unsealing failure. Its message never holds key or value bytes. */
public final class CryptoException extends RuntimeException {
    public CryptoException(String message) {
        super(message);
    }

    public CryptoException(String message, Throwable cause) {
        super(message, cause);
    }
}
