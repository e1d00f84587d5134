package dev.kinko.server.consensus;

import dev.kinko.server.storage.DataLayout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * How much of its disk a node uses (issue 14): the bytes of its Raft log segments, its RocksDB and
 * its snapshots, and the size and free space of the file system its data directory is on. Read
 * from the files themselves, so a figure is true whatever wrote them.
 */
public record DataSizes(long raftLogBytes, long dbBytes, long snapshotBytes, long fileSystemBytes, long freeBytes) {
    /** Ratis names its log segments {@code log_<first>-<last>} and {@code log_inprogress_<first>}. */
    static final String SEGMENT_PREFIX = "log_";

    public static DataSizes of(DataLayout layout) {
        long total = 0;
        long free = 0;
        try {
            FileStore store = Files.getFileStore(layout.root());
            total = store.getTotalSpace();
            free = store.getUsableSpace();
        } catch (IOException e) {
            // the directory is gone (a wiped node): no file system to report
        }
        return new DataSizes(bytes(layout.raft(), true), bytes(layout.db(), false), bytes(layout.snapshots(), false),
                total, free);
    }

    /** The bytes of the regular files under {@code dir} (only Raft log segments when {@code segmentsOnly}); 0 if none. */
    static long bytes(Path dir, boolean segmentsOnly) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> !segmentsOnly || p.getFileName().toString().startsWith(SEGMENT_PREFIX))
                    .mapToLong(DataSizes::size).sum();
        } catch (NoSuchFileException | UncheckedIOException e) {
            return 0; // not made yet, or files replaced while walking (a snapshot, a compaction): next time
        } catch (IOException e) {
            return 0;
        }
    }

    private static long size(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.size(file) : 0;
        } catch (IOException gone) {
            return 0; // deleted while walking (a purge, a compaction)
        }
    }
}
