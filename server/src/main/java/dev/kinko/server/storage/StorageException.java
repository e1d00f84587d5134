package dev.kinko.server.storage;

/** The storage engine failed: the node cannot go on safely. */
public final class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
