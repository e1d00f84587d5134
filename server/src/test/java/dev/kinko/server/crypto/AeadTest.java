package dev.kinko.server.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AeadTest {
    private static final int TAG_BYTES = 16;
    private final byte[] key = Aead.randomKey();
    private final byte[] aad = "kinko/test\0secret\0v1".getBytes(StandardCharsets.UTF_8);
    private final byte[] plaintext = "correct horse battery staple".getBytes(StandardCharsets.UTF_8);

    @Test
    void roundTrip() {
        byte[] sealed = Aead.seal(key, aad, plaintext);

        assertThat(sealed).hasSize(Aead.NONCE_BYTES + plaintext.length + TAG_BYTES);
        assertThat(Aead.open(key, aad, sealed)).isEqualTo(plaintext);
    }

    /** The JDK's AES-GCM, an independent implementation, opens what Aead seals and the reverse. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 15, 16, 17, 540, 4096})
    void interoperatesWithTheJdksAesGcm(int length) throws Exception {
        byte[] value = new byte[length];
        new java.util.Random(length).nextBytes(value);
        byte[] sealed = Aead.seal(key, aad, value);
        javax.crypto.Cipher jdk = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
        jdk.init(javax.crypto.Cipher.DECRYPT_MODE, new javax.crypto.spec.SecretKeySpec(key, "AES"),
                new javax.crypto.spec.GCMParameterSpec(TAG_BYTES * 8, sealed, 0, Aead.NONCE_BYTES));
        jdk.updateAAD(aad);
        assertThat(jdk.doFinal(sealed, Aead.NONCE_BYTES, sealed.length - Aead.NONCE_BYTES)).isEqualTo(value);

        byte[] nonce = Arrays.copyOf(Aead.randomKey(), Aead.NONCE_BYTES);
        jdk.init(javax.crypto.Cipher.ENCRYPT_MODE, new javax.crypto.spec.SecretKeySpec(key, "AES"),
                new javax.crypto.spec.GCMParameterSpec(TAG_BYTES * 8, nonce));
        jdk.updateAAD(aad);
        byte[] fromJdk = jdk.doFinal(value);
        byte[] framed = new byte[Aead.NONCE_BYTES + fromJdk.length];
        System.arraycopy(nonce, 0, framed, 0, Aead.NONCE_BYTES);
        System.arraycopy(fromJdk, 0, framed, Aead.NONCE_BYTES, fromJdk.length);
        assertThat(Aead.open(key, aad, framed)).isEqualTo(value);
    }

    @Test
    void emptyPlaintextRoundTrips() {
        byte[] sealed = Aead.seal(key, aad, new byte[0]);
        assertThat(sealed).hasSize(Aead.NONCE_BYTES + TAG_BYTES);
        assertThat(Aead.open(key, aad, sealed)).isEmpty();
    }

    @Test
    void everySealUsesAFreshNonce() {
        byte[] a = Aead.seal(key, aad, plaintext);
        byte[] b = Aead.seal(key, aad, plaintext);
        assertThat(a).isNotEqualTo(b);
        assertThat(java.util.Arrays.copyOf(a, Aead.NONCE_BYTES)).isNotEqualTo(java.util.Arrays.copyOf(b, Aead.NONCE_BYTES));
    }

    @Test
    void randomKeysAreThirtyTwoDistinctBytes() {
        assertThat(Aead.randomKey()).hasSize(Aead.KEY_BYTES).hasSize(32).isNotEqualTo(Aead.randomKey());
    }

    /** Flips one bit in the nonce (0), the ciphertext (12, 20) and the tag (last byte). */
    @ParameterizedTest
    @ValueSource(ints = {0, 11, 12, 20, -1})
    void tamperedBytesAreRejected(int position) {
        byte[] sealed = Aead.seal(key, aad, plaintext);
        int at = position < 0 ? sealed.length + position : position;
        sealed[at] ^= 0x01;

        assertThatThrownBy(() -> Aead.open(key, aad, sealed))
                .isInstanceOf(CryptoException.class).hasMessageContaining("authentication failed");
    }

    @Test
    void truncatedTagIsRejected() {
        byte[] sealed = Aead.seal(key, aad, plaintext);
        byte[] cut = java.util.Arrays.copyOf(sealed, sealed.length - 1);
        assertThatThrownBy(() -> Aead.open(key, aad, cut)).isInstanceOf(CryptoException.class);
    }

    @Test
    void wrongKeyIsRejected() {
        byte[] sealed = Aead.seal(key, aad, plaintext);
        assertThatThrownBy(() -> Aead.open(Aead.randomKey(), aad, sealed))
                .isInstanceOf(CryptoException.class).hasMessageContaining("wrong key or tampered data");
    }

    @Test
    void wrongAssociatedDataIsRejected() {
        byte[] sealed = Aead.seal(key, aad, plaintext);
        byte[] other = "kinko/test\0secret\0v2".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Aead.open(key, other, sealed)).isInstanceOf(CryptoException.class);
        assertThatThrownBy(() -> Aead.open(key, new byte[0], sealed)).isInstanceOf(CryptoException.class);
    }

    @Test
    void inputShorterThanNonceAndTagIsRejectedAsTooShort() {
        assertThatThrownBy(() -> Aead.open(key, aad, new byte[Aead.NONCE_BYTES + TAG_BYTES - 1]))
                .isInstanceOf(CryptoException.class).hasMessageContaining("too short");
        assertThatThrownBy(() -> Aead.open(key, aad, new byte[0]))
                .isInstanceOf(CryptoException.class).hasMessageContaining("too short");
        // exactly nonce + tag is long enough to be checked, and fails authentication
        assertThatThrownBy(() -> Aead.open(key, aad, new byte[Aead.NONCE_BYTES + TAG_BYTES]))
                .isInstanceOf(CryptoException.class).hasMessageContaining("authentication failed");
    }

    @Test
    void keysOfTheWrongLengthAreRejected() {
        assertThatThrownBy(() -> Aead.seal(new byte[16], aad, plaintext))
                .isInstanceOf(CryptoException.class).hasMessageContaining("32 bytes");
        byte[] sealed = Aead.seal(key, aad, plaintext);
        assertThatThrownBy(() -> Aead.open(new byte[31], aad, sealed)).isInstanceOf(CryptoException.class);
    }

    @Test
    void failureMessagesHoldNoKeyOrPlaintext() {
        byte[] sealed = Aead.seal(key, aad, plaintext);
        sealed[sealed.length - 1] ^= 0x01;
        assertThatThrownBy(() -> Aead.open(key, aad, sealed))
                .isInstanceOf(CryptoException.class)
                .satisfies(e -> assertThat(e.getMessage())
                        .doesNotContain(new String(plaintext, StandardCharsets.UTF_8))
                        .doesNotContain(java.util.HexFormat.of().formatHex(key))
                        .doesNotContain(java.util.Base64.getEncoder().encodeToString(key)));
    }
}
