package dev.kinko.server.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;

import java.nio.file.Path;

/**
 * A node's data directory: {@code raft/} (the Ratis log), {@code db/} (RocksDB),
 * {@code snapshots/} (RocksDB checkpoints named {@code <term>_<index>}) and
 * {@code snapshots-tmp/} (scratch on the same file system, emptied at every start).
 */
public record DataLayout(Path root) {
    public Path raft() {
        return root.resolve("raft");
    }

    public Path db() {
        return root.resolve("db");
    }

    public Path snapshots() {
        return root.resolve("snapshots");
    }

    public Path scratch() {
        return root.resolve("snapshots-tmp");
    }

    /**
     * Creates the data directory owner-only (0700), or narrows an existing one to it: the Raft
     * log, RocksDB and snapshots inside hold sealed values and token hashes, and their files
     * are made with the process umask, so the directory is what keeps other users out.
     */
    public void secure() throws IOException {
        Files.createDirectories(root, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        Files.setPosixFilePermissions(root, OWNER_ONLY);
    }

    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> OWNER_ONLY =
            PosixFilePermissions.fromString("rwx------");

    /** The directory name of the checkpoint that holds the state up to (term, index). */
    public static String checkpointName(long term, long index) {
        return term + "_" + index;
    }
}
