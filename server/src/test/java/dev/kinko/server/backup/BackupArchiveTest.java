package dev.kinko.server.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backup file format: round trip, checksums, and its limits at the edge and one past. */
class BackupArchiveTest {
    @TempDir
    Path dir;

    @Test
    void aWrittenBackupExtractsToTheSameFiles() throws IOException {
        Path checkpoint = Files.createDirectories(dir.resolve("cp"));
        Files.writeString(checkpoint.resolve("000012.sst"), "sst bytes");
        Files.writeString(checkpoint.resolve("CURRENT"), "MANIFEST-000005\n");
        Path file = dir.resolve("b.kinko-backup");
        try (OutputStream out = Files.newOutputStream(file)) {
            BackupArchive.write(checkpoint, "tokyo", "tokyo-2", 3, 42, 1000, out);
        }
        BackupManifest m = BackupArchive.extract(file, dir.resolve("out"));
        assertThat(m).extracting(BackupManifest::region, BackupManifest::nodeId, BackupManifest::term, BackupManifest::index)
                .containsExactly("tokyo", "tokyo-2", 3L, 42L);
        assertThat(m.totalBytes()).isEqualTo(9 + 16);
        assertThat(dir.resolve("out/000012.sst")).hasContent("sst bytes");
        assertThat(dir.resolve("out/CURRENT")).hasContent("MANIFEST-000005");
    }

    @Test
    void aFileThatDoesNotMatchItsChecksumIsRefused() throws IOException {
        Path file = handMade(manifest(List.of(entry("CURRENT", 3, "00".repeat(32)))), Map.of("db/CURRENT", "abc"));
        assertReason(file, BackupException.Reason.BACKUP_CORRUPT);
    }

    @Test
    void entriesOutsideTheManifestAndPathsAreRefused() throws IOException {
        Path extra = handMade(manifest(List.of()), Map.of("db/../../etc/passwd", "x"));
        assertReason(extra, BackupException.Reason.BACKUP_FORMAT); // no files at all: not a checkpoint
        Path traversal = handMade(manifest(List.of(entry("../x", 1, "00"))), Map.of());
        assertReason(traversal, BackupException.Reason.BACKUP_FORMAT);
        Path wrongFormat = handMade(Map.of("format", "kinko-backup/2", "region", "tokyo",
                "files", List.of(entry("CURRENT", 1, "00"))), Map.of());
        assertReason(wrongFormat, BackupException.Reason.BACKUP_FORMAT);
    }

    @Test
    void anEntryOutsideTheManifestIsRefusedAndNothingIsWrittenOutsideTheTarget() throws IOException {
        String sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; // SHA-256 of "abc"
        Map<String, Object> oneFile = manifest(List.of(entry("CURRENT", 3, sha)));
        Map<String, String> traversal = new LinkedHashMap<>();
        traversal.put("db/CURRENT", "abc");
        traversal.put("db/../../escaped", "x");
        Path target = dir.resolve("t1");
        assertThatThrownBy(() -> BackupArchive.extract(handMade(oneFile, traversal), target))
                .isInstanceOf(BackupException.class).hasMessageContaining("unexpected entry");
        assertThat(dir.resolve("escaped")).doesNotExist();
        assertThat(dir.getParent().resolve("escaped")).doesNotExist();
        // and the same archive without it is whole
        Path whole = handMade(oneFile, Map.of("db/CURRENT", "abc"));
        assertThat(BackupArchive.verify(whole).files()).hasSize(1);
    }

    @Test
    void verifyReadsEverythingAndWritesNothing() throws IOException {
        Path bad = handMade(manifest(List.of(entry("CURRENT", 3, "00".repeat(32)))), Map.of("db/CURRENT", "abc"));
        long before;
        try (var files = Files.list(dir)) {
            before = files.count();
        }
        assertThatThrownBy(() -> BackupArchive.verify(bad)).isInstanceOf(BackupException.class)
                .extracting(e -> ((BackupException) e).reason()).isEqualTo(BackupException.Reason.BACKUP_CORRUPT);
        try (var files = Files.list(dir)) {
            assertThat(files.count()).isEqualTo(before);
        }
    }

    @Test
    void fileCountLimitAtTheEdgeAndOnePast() throws IOException {
        List<Map<String, Object>> files = new ArrayList<>();
        for (int i = 0; i < BackupArchive.MAX_FILES; i++) {
            files.add(entry("f" + i, 0, "00"));
        }
        // at the limit the manifest is read; the files it names are missing
        assertReason(handMade(manifest(files), Map.of()), BackupException.Reason.BACKUP_CORRUPT);
        files.add(entry("one-more", 0, "00"));
        assertReason(handMade(manifest(files), Map.of()), BackupException.Reason.BACKUP_FORMAT);
    }

    @Test
    void manifestSizeLimitAtTheEdgeAndOnePast() throws IOException {
        assertReason(handMade(padded(BackupArchive.MAX_MANIFEST_BYTES)), BackupException.Reason.BACKUP_CORRUPT);
        assertReason(handMade(padded(BackupArchive.MAX_MANIFEST_BYTES + 1)), BackupException.Reason.BACKUP_FORMAT);
    }

    private void assertReason(Path file, BackupException.Reason reason) throws IOException {
        Path target = dir.resolve("extract-" + System.nanoTime());
        assertThatThrownBy(() -> BackupArchive.extract(file, target)).isInstanceOf(BackupException.class)
                .extracting(e -> ((BackupException) e).reason()).isEqualTo(reason);
    }

    private static Map<String, Object> manifest(List<?> files) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", BackupArchive.FORMAT);
        m.put("region", "tokyo");
        m.put("term", 1);
        m.put("index", 1);
        m.put("files", files);
        return m;
    }

    private static Map<String, Object> entry(String name, long size, String sha256) {
        return Map.of("name", name, "size", size, "sha256", sha256);
    }

    /** A manifest of exactly {@code bytes} bytes (an unknown field pads it), naming one missing file. */
    private static byte[] padded(int bytes) throws IOException {
        Map<String, Object> m = manifest(List.of(entry("CURRENT", 1, "00")));
        m.put("padding", "");
        int base = new ObjectMapper().writeValueAsBytes(m).length;
        m.put("padding", "p".repeat(bytes - base));
        byte[] json = new ObjectMapper().writeValueAsBytes(m);
        assertThat(json).hasSize(bytes);
        return json;
    }

    private Path handMade(Map<String, Object> manifest, Map<String, String> entries) throws IOException {
        return handMade(new ObjectMapper().writeValueAsBytes(manifest), entries);
    }

    private Path handMade(byte[] manifest) throws IOException {
        return handMade(manifest, Map.of());
    }

    private Path handMade(byte[] manifest, Map<String, String> entries) throws IOException {
        Path file = dir.resolve("hand-" + System.nanoTime() + ".kinko-backup");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new ZipEntry(BackupArchive.MANIFEST));
            zip.write(manifest);
            zip.closeEntry();
            for (Map.Entry<String, String> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        return file;
    }
}
