package dev.kinko.server.backup;

import dev.kinko.server.storage.FileTrees;
import dev.kinko.server.storage.RocksStorage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Making a backup file of a node's live state: the one thing the API asks of storage for a
 * backup, so the API never holds the storage itself. Made by the node's composition root.
 */
public final class Backups {
    private final RocksStorage storage;
    private final Path scratch;
    private final String region;
    private final String nodeId;

    public Backups(RocksStorage storage, Path scratch, String region, String nodeId) {
        this.storage = storage;
        this.scratch = scratch;
        this.region = region;
        this.nodeId = nodeId;
    }

    /**
     * Checkpoints the storage and writes it as a backup file in the scratch directory; the
     * caller sends the file and deletes it. The checkpoint holds everything applied up to the
     * index the manifest names, and nothing after it.
     */
    public Path create(long nowMillis) throws IOException {
        Files.createDirectories(scratch);
        String name = "backup-" + UUID.randomUUID();
        Path checkpoint = scratch.resolve(name);
        Path file = scratch.resolve(name + ".kinko-backup");
        try {
            RocksStorage.Applied at = storage.checkpoint(checkpoint);
            FileTrees.createOwnerOnly(file); // it holds names and wrapped keys: not for other users
            try (OutputStream out = Files.newOutputStream(file)) {
                BackupArchive.write(checkpoint, region, nodeId, at.term(), at.index(), nowMillis, out);
            }
            return file;
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        } finally {
            FileTrees.delete(checkpoint);
        }
    }
}
