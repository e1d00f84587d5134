package dev.kinko.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kinko.client.KinkoClient;
import dev.kinko.proto.v1.BackupResponse;
import dev.kinko.proto.v1.BackupRequest;
import dev.kinko.server.backup.BackupArchive;
import dev.kinko.server.backup.BackupManifest;
import dev.kinko.server.storage.FileTrees;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Downloads a region's backup into a file: written beside it as {@code .partial} (mode 0600,
 * started over on a retried attempt), fsynced, checked whole, then linked into place, so the
 * file is either a whole backup or not there.
 */
final class BackupDownload {
    /** The whole download's deadline (a backup of a large region takes longer than one call's --timeout). */
    static final Duration DEADLINE = Duration.ofHours(1);

    private BackupDownload() {}

    /** What a backup holds, as the JSON output of the backup and restore commands shows it. */
    static String summaryJson(BackupManifest m, String key, String value) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put(key, value);
        o.put("region", m.region());
        o.put("from_node_id", m.nodeId());
        o.put("term", m.term());
        o.put("index", m.index());
        o.put("files", m.files().size());
        o.put("bytes", m.totalBytes());
        try {
            return new ObjectMapper().writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new CliException("cannot print the backup summary as JSON: " + e.getMessage());
        }
    }

    static BackupManifest to(KinkoClient client, Path file) throws IOException {
        if (Files.exists(file)) {
            throw new CliException(file + " exists; choose a new file for the backup");
        }
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        try {
            client.admin(a -> {
                try {
                    Files.deleteIfExists(partial); // a retried attempt starts over
                    FileTrees.createOwnerOnly(partial);
                    try (OutputStream out = Files.newOutputStream(partial)) {
                        Iterator<BackupResponse> chunks = a.withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                                .backup(BackupRequest.getDefaultInstance());
                        while (chunks.hasNext()) {
                            chunks.next().getData().writeTo(out);
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return null;
            });
            FileTrees.fsync(partial);
            BackupManifest manifest = BackupArchive.verify(partial);
            // a link, not a rename: it fails rather than replace a file that appeared meanwhile
            Files.createLink(file, partial);
            FileTrees.fsync(file.toAbsolutePath().getParent());
            return manifest;
        } catch (UncheckedIOException e) {
            throw new IOException("cannot write " + partial + ": " + e.getCause().getMessage(), e.getCause());
        } finally {
            Files.deleteIfExists(partial);
        }
    }
}
