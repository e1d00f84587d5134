package dev.kinko.server.backup;

import dev.kinko.proto.raft.v1.LinkRecord;
import dev.kinko.server.backup.BackupException.Reason;
import dev.kinko.server.config.NodeConfig;
import dev.kinko.server.crypto.CryptoException;
import dev.kinko.server.crypto.Keyring;
import dev.kinko.server.crypto.MasterKeyFile;
import dev.kinko.server.storage.DataLayout;
import dev.kinko.server.storage.FileTrees;
import dev.kinko.server.storage.RocksStorage;
import dev.kinko.server.storage.StorageBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Restores a backup into a node that has never run: the backup's checkpoint becomes the
 * node's first snapshot ({@code snapshots/1_<index>/}). At start the state machine loads it
 * and Raft's log begins after its index. Every node of the new region is restored from the
 * same backup before any starts, so they agree on that starting point.
 *
 * <p>The restored state is placed at term 1: the new group's terms start again from 1, Ratis
 * refuses to apply an entry whose term is below the last applied one, and it takes a term-0
 * last entry for an empty log (no vote goes to a candidate that has only that).
 */
public final class BackupRestore {
    static final long RESTORED_TERM = 1;

    private BackupRestore() {}

    public static BackupManifest restore(Path backup, NodeConfig config) throws IOException {
        BackupManifest manifest = BackupArchive.readManifest(backup);
        if (!manifest.region().equals(config.region())) {
            throw new BackupException(Reason.BACKUP_REGION_MISMATCH, "the backup is of region " + manifest.region()
                    + ", the node's configuration names region " + config.region());
        }
        DataLayout layout = new DataLayout(config.dataDir());
        for (Path part : new Path[] {layout.raft(), layout.db(), layout.snapshots()}) {
            if (!isEmptyOrAbsent(part)) {
                throw new BackupException(Reason.DATA_DIR_NOT_EMPTY, part
                        + " is not empty: restore only into a node that has never run");
            }
        }
        byte[] masterKey = masterKey(config.keyFile());
        Path staging = layout.scratch().resolve("restore-" + UUID.randomUUID());
        try {
            BackupArchive.extract(backup, staging);
            prepare(staging, manifest, masterKey, config.keyFile());
            Path snapshots = Files.createDirectories(layout.snapshots());
            Files.move(staging, snapshots.resolve(DataLayout.checkpointName(RESTORED_TERM, manifest.index())),
                    StandardCopyOption.ATOMIC_MOVE);
            FileTrees.fsync(snapshots);
            return manifest;
        } finally {
            Arrays.fill(masterKey, (byte) 0);
            FileTrees.delete(staging);
        }
    }

    private static byte[] masterKey(Path keyFile) throws BackupException {
        try {
            return MasterKeyFile.load(keyFile);
        } catch (IOException | CryptoException e) {
            throw new BackupException(Reason.KEY_MISMATCH, "cannot use the key file " + keyFile
                    + " (copy the region's key file there, mode 0600): " + e.getMessage(), e);
        }
    }

    /**
     * Checks the checkpoint against the manifest and the key file, and marks every link for a
     * full copy first: the replica regions may hold changes newer than the backup, under
     * journal sequences this region will issue again. Every node makes the same change to the
     * same state, at the same applied index; the files are fsynced, as the marks must survive.
     */
    private static void prepare(Path checkpoint, BackupManifest manifest, byte[] masterKey, Path keyFile)
            throws IOException {
        try (RocksStorage storage = RocksStorage.open(checkpoint)) {
            if (storage.applied().index() != manifest.index()) {
                throw new BackupException(Reason.BACKUP_CORRUPT, "the database holds index " + storage.applied().index()
                        + ", the manifest says " + manifest.index());
            }
            Keyring keyring = new Keyring(masterKey, storage::regionKeys);
            try {
                keyring.verifyAll();
            } catch (CryptoException e) {
                throw new BackupException(Reason.KEY_MISMATCH, "the key file " + keyFile
                        + " is not the one this region's keys are sealed with", e);
            } finally {
                keyring.destroy();
            }
            StorageBatch batch = storage.newBatch();
            for (LinkRecord link : storage.links()) {
                batch.putLink(link.toBuilder().setReseedRequired(true).build());
            }
            storage.commitDurably(batch, RESTORED_TERM, manifest.index());
        }
        try (Stream<Path> files = Files.list(checkpoint)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                FileTrees.fsync(f);
            }
        }
        FileTrees.fsync(checkpoint);
    }

    private static boolean isEmptyOrAbsent(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return true;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }
}
