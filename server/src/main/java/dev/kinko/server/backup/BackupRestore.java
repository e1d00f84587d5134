package dev.kinko.server.backup;

import dev.kinko.proto.raft.v1.LinkRecord;
import dev.kinko.server.backup.BackupException.Reason;
import dev.kinko.server.config.NodeConfig;
import dev.kinko.server.crypto.CryptoException;
import dev.kinko.server.crypto.Keyring;
import dev.kinko.server.crypto.MasterKeyFile;
import dev.kinko.server.storage.FileTrees;
import dev.kinko.server.storage.RocksStorage;
import dev.kinko.server.storage.StorageBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
        Path data = config.dataDir();
        for (String part : new String[] {"raft", "db", "snapshots"}) {
            if (!isEmptyOrAbsent(data.resolve(part))) {
                throw new BackupException(Reason.DATA_DIR_NOT_EMPTY, data.resolve(part)
                        + " is not empty: restore only into a node that has never run");
            }
        }
        byte[] masterKey;
        try {
            masterKey = MasterKeyFile.load(config.keyFile());
        } catch (IOException e) {
            throw new BackupException(Reason.KEY_MISMATCH, "cannot read the key file " + config.keyFile()
                    + " (copy the region's key file there first): " + e.getMessage(), e);
        }
        Path staging = data.resolve("snapshots-tmp").resolve("restore-" + UUID.randomUUID());
        try {
            BackupArchive.extract(backup, staging);
            prepare(staging, masterKey, config.keyFile());
            Path snapshots = Files.createDirectories(data.resolve("snapshots"));
            Files.move(staging, snapshots.resolve(RESTORED_TERM + "_" + manifest.index()),
                    StandardCopyOption.ATOMIC_MOVE);
            FileTrees.fsync(snapshots);
            return manifest;
        } finally {
            java.util.Arrays.fill(masterKey, (byte) 0);
            FileTrees.delete(staging);
        }
    }

    /**
     * Checks the key file against the backup's region keys, and marks every link for a full
     * copy first: the replica regions may hold changes newer than the backup, under journal
     * sequences this region will issue again. Every node makes the same change to the same
     * state, at the same applied index.
     */
    private static void prepare(Path checkpoint, byte[] masterKey, Path keyFile) throws IOException {
        try (RocksStorage storage = RocksStorage.open(checkpoint)) {
            new Keyring(masterKey, storage::regionKeys).verifyAll();
            StorageBatch batch = storage.newBatch();
            for (LinkRecord link : storage.links()) {
                batch.putLink(link.toBuilder().setReseedRequired(true).build());
            }
            storage.commit(batch, RESTORED_TERM, storage.applied().index());
        } catch (CryptoException e) {
            throw new BackupException(Reason.KEY_MISMATCH, "the key file " + keyFile
                    + " is not the one this region's keys are sealed with", e);
        }
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
