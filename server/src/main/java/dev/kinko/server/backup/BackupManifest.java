package dev.kinko.server.backup;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What a backup holds: the region, the Raft entry its state covers, and every RocksDB file
 * with its size and SHA-256. Written as the first entry of the backup, so a reader checks
 * the region and format before it extracts anything.
 */
public record BackupManifest(
        @JsonProperty("format") String format,
        @JsonProperty("region") String region,
        @JsonProperty("node_id") String nodeId,
        @JsonProperty("term") long term,
        @JsonProperty("index") long index,
        @JsonProperty("created_millis") long createdMillis,
        @JsonProperty("files") List<FileEntry> files) {

    public record FileEntry(
            @JsonProperty("name") String name,
            @JsonProperty("size") long size,
            @JsonProperty("sha256") String sha256) {}

    public long totalBytes() {
        return files.stream().mapToLong(FileEntry::size).sum();
    }
}
