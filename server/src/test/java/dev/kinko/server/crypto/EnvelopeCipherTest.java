package dev.kinko.server.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.kinko.proto.raft.v1.RegionKeyRecord;
import dev.kinko.proto.raft.v1.SealedValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EnvelopeCipherTest {
    private static final String SECRET = "2f1c9a0e-secret";
    private static final String VERSION = "version-0001";
    private static final byte[] PLAINTEXT = "s3cr3t-db-password-value".getBytes(StandardCharsets.UTF_8);

    private final byte[] master = Aead.randomKey();
    private final List<RegionKeyRecord> records = new ArrayList<>();
    private final Keyring keyring = new Keyring(master, () -> records);
    private final EnvelopeCipher cipher = new EnvelopeCipher(keyring);

    @BeforeEach
    void firstRegionKey() {
        records.add(keyring.newVersion(1, 1_000));
    }

    @Test
    void roundTrip() {
        SealedValue sealed = cipher.seal(SECRET, VERSION, PLAINTEXT, false);

        assertThat(sealed.getKeyVersion()).isEqualTo(1);
        assertThat(sealed.getBinary()).isFalse();
        assertThat(cipher.open(SECRET, VERSION, sealed)).isEqualTo(PLAINTEXT);
    }

    @Test
    void binaryFlagTravelsWithTheValue() {
        byte[] bytes = {0, 1, 2, (byte) 0xff};
        SealedValue sealed = cipher.seal(SECRET, VERSION, bytes, true);
        assertThat(sealed.getBinary()).isTrue();
        assertThat(cipher.open(SECRET, VERSION, sealed)).isEqualTo(bytes);
    }

    @Test
    void sealedBytesDoNotHoldThePlaintext() {
        SealedValue sealed = cipher.seal(SECRET, VERSION, PLAINTEXT, false);
        assertThat(KeyringTest.indexOf(sealed.toByteArray(), PLAINTEXT)).isEqualTo(-1);
        assertThat(sealed.toByteString().toStringUtf8()).doesNotContain("s3cr3t");
    }

    @Test
    void everyVersionGetsAFreshDataKey() {
        SealedValue a = cipher.seal(SECRET, VERSION, PLAINTEXT, false);
        SealedValue b = cipher.seal(SECRET, VERSION, PLAINTEXT, false);
        assertThat(a.getWrappedDataKey()).isNotEqualTo(b.getWrappedDataKey());
        assertThat(a.getCiphertext()).isNotEqualTo(b.getCiphertext());
    }

    @Test
    void openingUnderAnotherSecretIdFails() {
        SealedValue sealed = cipher.seal(SECRET, VERSION, PLAINTEXT, false);
        assertThatThrownBy(() -> cipher.open("other-secret", VERSION, sealed)).isInstanceOf(CryptoException.class);
    }

    @Test
    void openingUnderAnotherVersionIdFails() {
        SealedValue sealed = cipher.seal(SECRET, VERSION, PLAINTEXT, false);
        assertThatThrownBy(() -> cipher.open(SECRET, "version-0002", sealed)).isInstanceOf(CryptoException.class);
    }

    @Test
    void idsAreSeparatedInTheAssociatedData() {
        // the ids are NUL-separated in the associated data: moving the boundary between them changes it
        SealedValue sealed = cipher.seal("ab", "c", PLAINTEXT, false);
        assertThatThrownBy(() -> cipher.open("a", "bc", sealed)).isInstanceOf(CryptoException.class);
    }

    @Test
    void aCiphertextMovedToAnotherVersionFails() {
        SealedValue one = cipher.seal(SECRET, VERSION, PLAINTEXT, false);
        SealedValue two = cipher.seal(SECRET, "version-0002", "other".getBytes(StandardCharsets.UTF_8), false);
        SealedValue swapped = two.toBuilder().setCiphertext(one.getCiphertext()).build();
        assertThatThrownBy(() -> cipher.open(SECRET, "version-0002", swapped)).isInstanceOf(CryptoException.class);
    }

    @Test
    void tamperedCiphertextFails() {
        SealedValue sealed = cipher.seal(SECRET, VERSION, PLAINTEXT, false);
        byte[] c = sealed.getCiphertext().toByteArray();
        c[c.length / 2] ^= 0x40;
        SealedValue tampered = sealed.toBuilder().setCiphertext(ByteString.copyFrom(c)).build();
        assertThatThrownBy(() -> cipher.open(SECRET, VERSION, tampered)).isInstanceOf(CryptoException.class);
    }

    @Test
    void sealingWithoutARegionKeyIsRefused() {
        records.clear();
        assertThatThrownBy(() -> cipher.seal(SECRET, VERSION, PLAINTEXT, false))
                .isInstanceOf(CryptoException.class).hasMessageContaining("no region key");
    }

    @Test
    void oldValuesStillOpenAfterANewRegionKeyAndRewrapMovesThemToIt() {
        SealedValue old = cipher.seal(SECRET, VERSION, PLAINTEXT, false);
        records.add(keyring.newVersion(2, 2_000));

        assertThat(cipher.open(SECRET, VERSION, old)).isEqualTo(PLAINTEXT);
        assertThat(cipher.seal(SECRET, "version-0002", PLAINTEXT, false).getKeyVersion()).isEqualTo(2);

        byte[] rewrapped = cipher.rewrap(SECRET, VERSION, old, 2);
        SealedValue moved = old.toBuilder().setKeyVersion(2).setWrappedDataKey(ByteString.copyFrom(rewrapped)).build();
        assertThat(cipher.open(SECRET, VERSION, moved)).isEqualTo(PLAINTEXT);
        assertThat(moved.getCiphertext()).isEqualTo(old.getCiphertext());

        // the wrapped key is bound to its key version: labelled 1 it does not open
        SealedValue mislabelled = old.toBuilder().setWrappedDataKey(ByteString.copyFrom(rewrapped)).build();
        assertThatThrownBy(() -> cipher.open(SECRET, VERSION, mislabelled)).isInstanceOf(CryptoException.class);
    }

    @Test
    void rewrapIsBoundToTheSecretAndVersion() {
        SealedValue sealed = cipher.seal(SECRET, VERSION, PLAINTEXT, false);
        records.add(keyring.newVersion(2, 2_000));
        assertThatThrownBy(() -> cipher.rewrap(SECRET, "version-0002", sealed, 2)).isInstanceOf(CryptoException.class);
    }

    @Test
    void aNodeWithAnotherMasterKeyCannotOpen() {
        SealedValue sealed = cipher.seal(SECRET, VERSION, PLAINTEXT, false);
        EnvelopeCipher stranger = new EnvelopeCipher(new Keyring(Aead.randomKey(), () -> records));

        assertThatThrownBy(() -> stranger.open(SECRET, VERSION, sealed))
                .isInstanceOf(CryptoException.class)
                .hasMessageContaining("key file does not match the region's keyring");
    }

    @Test
    void anotherNodeWithTheSameMasterKeyOpens() {
        SealedValue sealed = cipher.seal(SECRET, VERSION, PLAINTEXT, false);
        EnvelopeCipher peer = new EnvelopeCipher(new Keyring(master.clone(), () -> records));
        assertThat(peer.open(SECRET, VERSION, sealed)).isEqualTo(PLAINTEXT);
    }

    @Test
    void anUnknownKeyVersionIsReported() {
        SealedValue sealed = cipher.seal(SECRET, VERSION, PLAINTEXT, false).toBuilder().setKeyVersion(9).build();
        assertThatThrownBy(() -> cipher.open(SECRET, VERSION, sealed))
                .isInstanceOf(CryptoException.class).hasMessageContaining("unknown");
    }
}
