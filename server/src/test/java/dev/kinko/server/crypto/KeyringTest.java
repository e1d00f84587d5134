package dev.kinko.server.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kinko.proto.raft.v1.RegionKeyRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyringTest {
    private final byte[] master = Aead.randomKey();
    private final List<RegionKeyRecord> records = new ArrayList<>();
    private final Keyring keyring = new Keyring(master, () -> records);

    @Test
    void newestVersionIsZeroWithoutKeysAndTheHighestOtherwise() {
        assertThat(keyring.newestVersion()).isZero();
        records.add(keyring.newVersion(1, 1_000));
        records.add(keyring.newVersion(2, 2_000));
        assertThat(keyring.newestVersion()).isEqualTo(2);
    }

    @Test
    void newVersionIsWrappedByTheMasterKey() {
        RegionKeyRecord record = keyring.newVersion(1, 1_234);
        records.add(record);

        assertThat(record.getVersion()).isEqualTo(1);
        assertThat(record.getCreatedMillis()).isEqualTo(1_234);
        byte[] key = keyring.key(1);
        assertThat(key).hasSize(Aead.KEY_BYTES);
        assertThat(record.getWrappedKey().toByteArray()).hasSize(Aead.NONCE_BYTES + Aead.KEY_BYTES + 16);
        assertThat(indexOf(record.getWrappedKey().toByteArray(), key)).as("raw key inside the record").isEqualTo(-1);
        assertThat(keyring.key(1)).isEqualTo(key);
    }

    @Test
    void eachVersionIsAFreshKey() {
        records.add(keyring.newVersion(1, 0));
        records.add(keyring.newVersion(2, 0));
        assertThat(keyring.key(1)).isNotEqualTo(keyring.key(2));
    }

    @Test
    void anotherNodeWithTheSameMasterKeyUnwrapsTheSameKeys() {
        records.add(keyring.newVersion(1, 0));
        Keyring other = new Keyring(master.clone(), () -> records);
        assertThat(other.key(1)).isEqualTo(keyring.key(1));
    }

    @Test
    void aDifferentMasterKeyCannotUnwrap() {
        records.add(keyring.newVersion(1, 0));
        Keyring stranger = new Keyring(Aead.randomKey(), () -> records);

        assertThatThrownBy(() -> stranger.key(1))
                .isInstanceOf(CryptoException.class)
                .hasMessageContaining("key file does not match")
                .hasMessageContaining("region key version 1");
    }

    @Test
    void aRecordCannotBePassedOffAsAnotherVersion() {
        RegionKeyRecord one = keyring.newVersion(1, 0);
        records.add(one.toBuilder().setVersion(2).build());
        assertThatThrownBy(() -> keyring.key(2)).isInstanceOf(CryptoException.class);
    }

    @Test
    void anUnknownVersionIsReported() {
        assertThatThrownBy(() -> keyring.key(7))
                .isInstanceOf(CryptoException.class).hasMessageContaining("region key version 7 is unknown");
    }

    @Test
    void theMasterKeyIsCopied() {
        records.add(keyring.newVersion(1, 0));
        java.util.Arrays.fill(master, (byte) 0); // the caller clears its copy after building the keyring
        assertThat(keyring.key(1)).hasSize(Aead.KEY_BYTES);
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
