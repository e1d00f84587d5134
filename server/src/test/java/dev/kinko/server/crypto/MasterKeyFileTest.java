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

        byte[] key = MasterKeyFile.loadOrCreate(file);

        assertThat(key).hasSize(32);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file)).startsWith(MasterKeyFile.HEADER);
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertThat(files).as("no temporary file left behind").containsExactly(file);
        }
    }

    @Test
    void aSecondCallReturnsTheSameKey() throws IOException {
        Path file = dir.resolve("master.key");
        byte[] first = MasterKeyFile.loadOrCreate(file);
        assertThat(MasterKeyFile.loadOrCreate(file)).isEqualTo(first);
        assertThat(MasterKeyFile.load(file)).isEqualTo(first);
    }

    @Test
    void twoFilesHoldDifferentKeys() throws IOException {
        assertThat(MasterKeyFile.loadOrCreate(dir.resolve("a.key")))
                .isNotEqualTo(MasterKeyFile.loadOrCreate(dir.resolve("b.key")));
    }

    @Test
    void anExistingFileIsNotReplaced() throws IOException {
        byte[] key = Aead.randomKey();
        Path file = writeKeyFile(valid(key), "rw-------");
        assertThat(MasterKeyFile.loadOrCreate(file)).isEqualTo(key);
    }

    @Test
    void aFileReadableByOthersIsRefusedWithTheFix() throws IOException {
        byte[] key = Aead.randomKey();
        Path file = writeKeyFile(valid(key), "rw-r--r--");

        assertThatThrownBy(() -> MasterKeyFile.loadOrCreate(file))
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
        assertThatThrownBy(() -> MasterKeyFile.loadOrCreate(file))
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
