package dev.kinko.server.backup;

import java.io.IOException;

/** A backup that cannot be written, read or restored, with the reason an operator acts on. */
public final class BackupException extends IOException {
    public enum Reason {
        /** Not a Kinko backup, or a format version this build does not read. */
        BACKUP_FORMAT,
        /** A file is missing, extra, truncated or does not match its checksum. */
        BACKUP_CORRUPT,
        /** The backup is of another region than the node's configuration names. */
        BACKUP_REGION_MISMATCH,
        /** The node's data directory already holds a Raft log or a database. */
        DATA_DIR_NOT_EMPTY,
        /** The node's key file does not open the region keys in the backup. */
        KEY_MISMATCH
    }

    private final Reason reason;

    public BackupException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public BackupException(Reason reason, String message, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
