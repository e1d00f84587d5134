package dev.kinko.server.crypto;

import dev.kinko.server.storage.FileTrees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Set;

/**
 * The region master key: 32 random bytes in a file of its own, mode 0600.
 * Every node of a region holds a copy of the same file; it wraps the region
 * key versions kept in the replicated state. A node refuses a file that
 * others can read.
 */
public final class MasterKeyFile {
    static final String HEADER = "kinko-master-key-v1:";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private MasterKeyFile() {}

    /** Makes a new key file (0600) for an operator to copy to a region's nodes; fails if it exists. */
    public static void generate(Path file) throws IOException {
        if (Files.exists(file)) {
            throw new FileAlreadyExistsException(file + " exists; a key file is never overwritten");
        }
        create(file);
    }

    /**
     * Reads a key file that exists (a node never makes one: {@code kinko keygen} or {@code kinko dev}
     * does), is a regular file rather than a symlink someone could point elsewhere, belongs to the
     * user running the node and only that user can read.
     */
    public static byte[] load(Path file) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new CryptoException("key file " + file + " does not exist; make one with 'kinko keygen " + file
                    + "' (once per region) and copy it to every node of the region");
        }
        if (Files.isSymbolicLink(file) || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new CryptoException("key file " + file + " is a symlink or not a regular file; put the file itself there");
        }
        String owner = Files.getOwner(file, LinkOption.NOFOLLOW_LINKS).getName();
        String me = System.getProperty("user.name");
        if (!owner.equals(me)) {
            throw new CryptoException("key file " + file + " belongs to " + owner + ", not to " + me
                    + " who runs this node; run: chown " + me + " " + file);
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
        for (PosixFilePermission p : perms) {
            if (!OWNER_ONLY.contains(p) && p != PosixFilePermission.OWNER_EXECUTE) {
                throw new CryptoException("key file " + file + " is accessible by others (mode "
                        + PosixFilePermissions.toString(perms) + "); run: chmod 600 " + file);
            }
        }
        String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        if (!text.startsWith(HEADER)) {
            throw new CryptoException("key file " + file + " is not a Kinko master key file");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(text.substring(HEADER.length()));
        } catch (IllegalArgumentException e) {
            throw new CryptoException("key file " + file + " is damaged (not base64)");
        }
        if (key.length != Aead.KEY_BYTES) {
            throw new CryptoException("key file " + file + " must hold a " + Aead.KEY_BYTES + "-byte key");
        }
        return key;
    }

    private static void create(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".kinko-key", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        try {
            byte[] key = Aead.randomKey();
            Files.writeString(tmp, HEADER + Base64.getEncoder().encodeToString(key) + "\n", StandardCharsets.US_ASCII);
            java.util.Arrays.fill(key, (byte) 0);
            // durable before anything is sealed with it: a key lost to a power cut loses the data
            FileTrees.fsync(tmp);
            // Several nodes of a local region may race to create one shared file: the first link wins.
            Files.createLink(file, tmp);
            FileTrees.fsync(dir);
        } catch (FileAlreadyExistsException e) {
            // another node created it first; use theirs
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
