package dev.kinko.server.consensus;

import dev.kinko.server.storage.DataLayout;
import dev.kinko.server.storage.FileTrees;
import dev.kinko.server.storage.RocksStorage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;

/**
 * Snapshots as RocksDB checkpoints, one directory each: {@code <term>_<index>/}.
 * The snapshot directory holds only checkpoints (Ratis replaces it whole when
 * it installs a snapshot from the leader); the files are listed with absolute
 * paths so the leader can send them.
 */
final class CheckpointSnapshots implements StateMachineStorage {
    /** Older checkpoints kept, so one being sent to a follower is not deleted under it. */
    private static final int RETAINED = 3;

    private final Path dir;
    private final Path tmpDir;
    private volatile FileListSnapshotInfo latest;

    CheckpointSnapshots(Path dir, Path tmpDir) {
        this.dir = dir;
        this.tmpDir = tmpDir;
    }

    @Override
    public void init(RaftStorage raftStorage) {
    }

    @Override
    public void format() {
    }

    @Override
    public SnapshotInfo getLatestSnapshot() {
        return latest;
    }

    @Override
    public File getSnapshotDir() {
        return dir.toFile();
    }

    @Override
    public File getTmpDir() {
        return tmpDir.toFile();
    }

    TermIndex latestTermIndex() {
        FileListSnapshotInfo l = latest;
        return l == null ? null : l.getTermIndex();
    }

    Path latestDir() {
        return dir.resolve(name(latest.getTermIndex()));
    }

    /** Finds the newest checkpoint on disk (at start, and after Ratis installed one). */
    /** At start only: staging checkpoints left by a crash pin SST files. */
    void sweepStaging() throws IOException {
        FileTrees.delete(tmpDir);
    }

    void load() throws IOException {
        Files.createDirectories(dir);
        Files.createDirectories(tmpDir);
        Optional<TermIndex> newest = checkpoints().max(Comparator.comparingLong(TermIndex::getIndex));
        latest = newest.isPresent() ? info(newest.get()) : null;
    }

    void take(RocksStorage storage, TermIndex last) throws IOException {
        Path target = dir.resolve(name(last));
        if (Files.exists(target)) {
            return;
        }
        Path staging = tmpDir.resolve("checkpoint-" + UUID.randomUUID());
        try {
            storage.checkpoint(staging);
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            // the rename must be on disk before Ratis purges its log up to this snapshot: after a
            // power loss without it, the node would start from an older snapshot and need entries
            // that are gone
            FileTrees.fsync(dir);
        } finally {
            FileTrees.delete(staging);
        }
        latest = info(last);
        cleanup();
    }

    @Override
    public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) throws IOException {
        cleanup();
    }

    private void cleanup() throws IOException {
        List<TermIndex> old = checkpoints().sorted(Comparator.comparingLong(TermIndex::getIndex).reversed())
                .skip(RETAINED).toList();
        for (TermIndex ti : old) {
            FileTrees.delete(dir.resolve(name(ti)));
        }
    }

    private Stream<TermIndex> checkpoints() throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> parse(p.getFileName().toString())).flatMap(Optional::stream).toList().stream();
        }
    }

    private FileListSnapshotInfo info(TermIndex ti) throws IOException {
        try (Stream<Path> files = Files.walk(dir.resolve(name(ti)))) {
            List<FileInfo> list = files.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().endsWith(".md5"))
                    .map(p -> new FileInfo(p.toAbsolutePath(), null))
                    .toList();
            return new FileListSnapshotInfo(list, ti);
        }
    }

    private static String name(TermIndex ti) {
        return DataLayout.checkpointName(ti.getTerm(), ti.getIndex());
    }

    private static Optional<TermIndex> parse(String name) {
        int sep = name.indexOf('_');
        if (sep < 1) {
            return Optional.empty();
        }
        try {
            return Optional.of(TermIndex.valueOf(Long.parseLong(name.substring(0, sep)),
                    Long.parseLong(name.substring(sep + 1))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
