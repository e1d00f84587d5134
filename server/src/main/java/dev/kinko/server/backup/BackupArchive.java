package dev.kinko.server.backup;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kinko.server.backup.BackupException.Reason;
import dev.kinko.server.storage.FileTrees;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The backup file: a zip whose first entry is the manifest ({@code kinko-backup.json}) and
 * whose other entries are the RocksDB checkpoint's files under {@code db/}. Values in those
 * files stay sealed by the region keys, which stay sealed by the region master key (the key
 * file is not in the backup).
 */
public final class BackupArchive {
    public static final String FORMAT = "kinko-backup/1";
    static final String MANIFEST = "kinko-backup.json";
    static final String DB_PREFIX = "db/";
    /** A manifest larger than this is refused before it is parsed. */
    public static final int MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
    /** More files than this is not a checkpoint Kinko wrote. */
    public static final int MAX_FILES = 100_000;
    /** RocksDB's file names: no directories, no "..". */
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,254}");
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private BackupArchive() {}

    /** Writes the checkpoint in {@code checkpoint} as a backup of {@code region} at (term, index); closes {@code out}. */
    public static BackupManifest write(Path checkpoint, String region, String nodeId, long term, long index,
                                       long createdMillis, OutputStream out) throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(checkpoint)) {
            files = list.filter(Files::isRegularFile).sorted().toList();
        }
        List<BackupManifest.FileEntry> entries = new ArrayList<>();
        for (Path f : files) {
            entries.add(new BackupManifest.FileEntry(f.getFileName().toString(), Files.size(f), sha256(f)));
        }
        BackupManifest manifest = new BackupManifest(FORMAT, region, nodeId, term, index, createdMillis, entries);
        ZipOutputStream zip = new ZipOutputStream(out);
        zip.setLevel(Deflater.BEST_SPEED); // sealed values do not compress; names and metadata do a little
        zip.putNextEntry(new ZipEntry(MANIFEST));
        zip.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
        zip.closeEntry();
        for (Path f : files) {
            zip.putNextEntry(new ZipEntry(DB_PREFIX + f.getFileName()));
            Files.copy(f, zip);
            zip.closeEntry();
        }
        zip.close(); // also closes out: the deflater's native memory is freed now
        return manifest;
    }

    /** The manifest alone, checked for format. */
    public static BackupManifest readManifest(Path backup) throws IOException {
        try (ZipInputStream zip = open(backup)) {
            return manifest(zip);
        }
    }

    /**
     * Extracts the checkpoint into {@code target} (created; must not exist), checking every
     * file against the manifest: names, sizes, SHA-256, none missing and none extra.
     */
    public static BackupManifest extract(Path backup, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        Files.createDirectory(target);
        BackupManifest m = read(backup, target);
        FileTrees.fsync(target);
        return m;
    }

    /** Reads the whole backup and checks it as {@link #extract} does, writing nothing. */
    public static BackupManifest verify(Path backup) throws IOException {
        return read(backup, null);
    }

    private static BackupManifest read(Path backup, Path target) throws IOException {
        try (ZipInputStream zip = open(backup)) {
            BackupManifest manifest = manifest(zip);
            Map<String, BackupManifest.FileEntry> expected = new HashMap<>();
            manifest.files().forEach(e -> expected.put(e.name(), e));
            ZipEntry entry;
            while ((entry = zip.getNextEntry()) != null) {
                String name = entry.getName().startsWith(DB_PREFIX) ? entry.getName().substring(DB_PREFIX.length()) : "";
                BackupManifest.FileEntry want = expected.remove(name);
                if (want == null) {
                    throw new BackupException(Reason.BACKUP_CORRUPT, "unexpected entry " + entry.getName());
                }
                MessageDigest digest = sha256();
                InputStream content = new DigestInputStream(zip, digest);
                long size = target == null ? content.transferTo(OutputStream.nullOutputStream())
                        : Files.copy(content, target.resolve(name));
                if (size != want.size() || !HexFormat.of().formatHex(digest.digest()).equals(want.sha256())) {
                    throw new BackupException(Reason.BACKUP_CORRUPT, "file " + name + " does not match its checksum");
                }
                if (target != null) {
                    FileTrees.fsync(target.resolve(name));
                }
            }
            if (!expected.isEmpty()) {
                throw new BackupException(Reason.BACKUP_CORRUPT, "missing files: " + expected.keySet());
            }
            return manifest;
        } catch (ZipException | EOFException e) {
            throw new BackupException(Reason.BACKUP_CORRUPT, "damaged or truncated backup file: " + e.getMessage(), e);
        }
    }

    private static ZipInputStream open(Path backup) throws IOException {
        if (!Files.isRegularFile(backup)) {
            throw new BackupException(Reason.BACKUP_FORMAT, backup + " is not a file");
        }
        return new ZipInputStream(Files.newInputStream(backup));
    }

    private static BackupManifest manifest(ZipInputStream zip) throws IOException {
        byte[] json;
        try {
            ZipEntry first = zip.getNextEntry();
            if (first == null || !first.getName().equals(MANIFEST)) {
                throw new BackupException(Reason.BACKUP_FORMAT, "not a Kinko backup (no " + MANIFEST + " first)");
            }
            json = zip.readNBytes(MAX_MANIFEST_BYTES + 1);
        } catch (ZipException | EOFException e) {
            throw new BackupException(Reason.BACKUP_FORMAT, "not a Kinko backup: " + e.getMessage(), e);
        }
        if (json.length > MAX_MANIFEST_BYTES) {
            throw new BackupException(Reason.BACKUP_FORMAT, "manifest larger than " + MAX_MANIFEST_BYTES + " bytes");
        }
        BackupManifest m;
        try {
            m = JSON.readValue(json, BackupManifest.class);
        } catch (IOException e) {
            throw new BackupException(Reason.BACKUP_FORMAT, "unreadable manifest: " + e.getMessage(), e);
        }
        if (!FORMAT.equals(m.format())) {
            throw new BackupException(Reason.BACKUP_FORMAT, "format " + m.format() + " is not " + FORMAT);
        }
        if (m.region() == null || m.files() == null || m.files().isEmpty() || m.files().size() > MAX_FILES) {
            throw new BackupException(Reason.BACKUP_FORMAT, "manifest without a region or with 0 or over "
                    + MAX_FILES + " files");
        }
        for (BackupManifest.FileEntry e : m.files()) {
            if (e.name() == null || !FILE_NAME.matcher(e.name()).matches() || e.sha256() == null) {
                throw new BackupException(Reason.BACKUP_FORMAT, "bad file entry in manifest: " + e.name());
            }
        }
        return m;
    }

    private static String sha256(Path f) throws IOException {
        MessageDigest digest = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(f), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }
}
