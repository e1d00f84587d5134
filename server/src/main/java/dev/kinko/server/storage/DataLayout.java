package dev.kinko.server.storage;

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

    /** The directory name of the checkpoint that holds the state up to (term, index). */
    public static String checkpointName(long term, long index) {
        return term + "_" + index;
    }
}
