package dev.kinko.server.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MasterKeyFileTest {
    @TempDir
    Path dir;

    private Path writeKeyFile(String content, String mode) throws IOException {
        Path file = dir.resolve("master.key");
        Files.writeString(file, content, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    private static String valid(byte[] key) {
        return MasterKeyFile.HEADER + Base64.getEncoder().encodeToString(key) + "\n";
    }

    @Test
    void createsAnOwnerOnlyFileWithAThirtyTwoByteKey() throws IOException {
        Path file = dir.resolve("keys").resolve("master.key");

        MasterKeyFile.generate(file);
        byte[] key = MasterKeyFile.load(file);

        assertThat(key).hasSize(32);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file)).startsWith(MasterKeyFile.HEADER);
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertThat(files).as("no temporary file left behind").containsExactly(file);
        }
    }

    @Test
    void aSecondLoadReturnsTheSameKey() throws IOException {
        Path file = dir.resolve("master.key");
        MasterKeyFile.generate(file);
        assertThat(MasterKeyFile.load(file)).isEqualTo(MasterKeyFile.load(file));
    }

    @Test
    void twoFilesHoldDifferentKeys() throws IOException {
        MasterKeyFile.generate(dir.resolve("a.key"));
        MasterKeyFile.generate(dir.resolve("b.key"));
        assertThat(MasterKeyFile.load(dir.resolve("a.key"))).isNotEqualTo(MasterKeyFile.load(dir.resolve("b.key")));
    }

    @Test
    void anExistingFileIsNeverOverwritten() throws IOException {
        byte[] key = Aead.randomKey();
        Path file = writeKeyFile(valid(key), "rw-------");
        assertThatThrownBy(() -> MasterKeyFile.generate(file)).isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
        assertThat(MasterKeyFile.load(file)).isEqualTo(key);
    }

    @Test
    void aMissingFileIsNotMadeByANode() {
        Path file = dir.resolve("missing.key");
        assertThatThrownBy(() -> MasterKeyFile.load(file))
                .isInstanceOf(CryptoException.class).hasMessageContaining("kinko keygen");
        assertThat(file).doesNotExist();
    }

    @Test
    void aSymlinkIsRefused() throws IOException {
        Path target = writeKeyFile(valid(Aead.randomKey()), "rw-------");
        Path link = Files.createSymbolicLink(dir.resolve("link.key"), target);
        assertThatThrownBy(() -> MasterKeyFile.load(link))
                .isInstanceOf(CryptoException.class).hasMessageContaining("symlink");
    }

    @Test
    void aFileOfAnotherUserIsRefused() throws IOException {
        Path file = writeKeyFile(valid(Aead.randomKey()), "rw-------");
        java.nio.file.attribute.UserPrincipal nobody;
        try {
            nobody = file.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
            Files.setOwner(file, nobody);
        } catch (IOException e) {
            org.junit.jupiter.api.Assumptions.abort("cannot give a file to another user here (needs root): " + e);
            return;
        }
        assertThatThrownBy(() -> MasterKeyFile.load(file))
                .isInstanceOf(CryptoException.class).hasMessageContaining("belongs to nobody");
    }

    @Test
    void aFileReadableByOthersIsRefusedWithTheFix() throws IOException {
        byte[] key = Aead.randomKey();
        Path file = writeKeyFile(valid(key), "rw-r--r--");

        assertThatThrownBy(() -> MasterKeyFile.load(file))
                .isInstanceOf(CryptoException.class)
                .hasMessageContaining("chmod 600 " + file)
                .hasMessageContaining("rw-r--r--")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(Base64.getEncoder().encodeToString(key)));
    }

    @Test
    void groupAccessIsRefusedToo() throws IOException {
        Path file = writeKeyFile(valid(Aead.randomKey()), "rw-r-----");
        assertThatThrownBy(() -> MasterKeyFile.load(file))
                .isInstanceOf(CryptoException.class).hasMessageContaining("chmod 600");
    }

    @Test
    void ownerReadOnlyIsAccepted() throws IOException {
        byte[] key = Aead.randomKey();
        Path file = writeKeyFile(valid(key), "r--------");
        assertThat(MasterKeyFile.load(file)).isEqualTo(key);
    }

    @Test
    void garbageIsRefused() throws IOException {
        Path file = writeKeyFile("this is not a key\n", "rw-------");
        assertThatThrownBy(() -> MasterKeyFile.load(file))
                .isInstanceOf(CryptoException.class).hasMessageContaining("not a Kinko master key file");
    }

    @Test
    void damagedBase64IsRefused() throws IOException {
        Path file = writeKeyFile(MasterKeyFile.HEADER + "***not-base64***\n", "rw-------");
        assertThatThrownBy(() -> MasterKeyFile.load(file))
                .isInstanceOf(CryptoException.class).hasMessageContaining("damaged");
    }

    @Test
    void aKeyOfTheWrongLengthIsRefused() throws IOException {
        Path file = writeKeyFile(valid(new byte[16]), "rw-------");
        assertThatThrownBy(() -> MasterKeyFile.load(file))
                .isInstanceOf(CryptoException.class).hasMessageContaining("32-byte");
    }
}
