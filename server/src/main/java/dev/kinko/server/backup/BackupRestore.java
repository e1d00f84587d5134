package dev.kinko.server.backup;

import dev.kinko.server.backup.BackupException.Reason;
import dev.kinko.server.config.NodeConfig;
import dev.kinko.server.crypto.CryptoException;
import dev.kinko.server.crypto.Keyring;
import dev.kinko.server.crypto.MasterKeyFile;
import dev.kinko.server.storage.FileTrees;
import dev.kinko.server.storage.RocksStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Restores a backup into a node that has never run: the backup's checkpoint becomes the
 * node's first snapshot ({@code snapshots/<term>_<index>/}). At start the state machine loads
 * it and Raft's log begins after its index. Every node of the new region is restored from
 * the same backup before any starts, so they agree on that starting point.
 */
public final class BackupRestore {
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
            checkKey(staging, masterKey, config.keyFile());
            Path snapshots = Files.createDirectories(data.resolve("snapshots"));
            Files.move(staging, snapshots.resolve(manifest.term() + "_" + manifest.index()),
                    StandardCopyOption.ATOMIC_MOVE);
            FileTrees.fsync(snapshots);
            return manifest;
        } finally {
            java.util.Arrays.fill(masterKey, (byte) 0);
            FileTrees.delete(staging);
        }
    }

    private static void checkKey(Path checkpoint, byte[] masterKey, Path keyFile) throws IOException {
        try (RocksStorage storage = RocksStorage.open(checkpoint)) {
            new Keyring(masterKey, storage::regionKeys).verifyAll();
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
