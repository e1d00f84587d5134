package dev.kinko.server.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The native AES-GCM and Bouncy Castle's read each other's bytes, so a node may switch between them. */
class AesGcmImplementationsTest {
    /** Null where Conscrypt has no library (a developer's ARM machine): the tests that need it are skipped there. */
    private static final AesGcm NATIVE = NativeGcm.ifAvailable().orElse(null);
    private static final AesGcm JAVA = new BouncyCastleGcm();
    private final byte[] key = Aead.randomKey();
    private final byte[] aad = "kinko/test\0secret\0v1".getBytes(StandardCharsets.UTF_8);

    @BeforeEach
    void needsTheNativeLibrary() {
        assumeTrue(NATIVE != null, "Conscrypt has no native library for " + System.getProperty("os.arch"));
    }

    /** Linux on x86-64 is where Kinko runs (and CI): sealing there must not fall back to Java silently. */
    @Test
    void aeadSealsNativelyOnLinuxX86() {
        assumeTrue(System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64"));
        assertThat(Aead.implementation()).isEqualTo(NATIVE.name()).contains("native");
    }

    /** A provider that cannot seal (here: one without AES-GCM; on Oracle's JDK: an unsigned one) is not chosen. */
    @Test
    void aProviderThatFailsTheProbeIsNotChosen() {
        java.security.Provider empty = new java.security.Provider("Empty", "1", "offers nothing") { };
        assertThat(NativeGcm.ifWorking(empty)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 15, 16, 17, 48, 600, 4096, 65_537})
    void eachOpensWhatTheOtherSeals(int length) {
        byte[] value = new byte[length];
        new Random(length).nextBytes(value);

        assertThat(Aead.open(JAVA, key, aad, Aead.seal(NATIVE, key, aad, value))).isEqualTo(value);
        assertThat(Aead.open(NATIVE, key, aad, Aead.seal(JAVA, key, aad, value))).isEqualTo(value);
    }

    /** GCM's specification, test case 16 (AES-256, 96-bit IV, associated data), through both. */
    @Test
    void bothOpenTheGcmSpecificationsTestVector() {
        HexFormat hex = HexFormat.of();
        byte[] k = hex.parseHex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
        byte[] sealed = hex.parseHex("cafebabefacedbaddecaf888"
                + "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
                + "76fc6ece0f4e1768cddf8853bb2d551b");
        byte[] a = hex.parseHex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
        String expected = "d9313225f88406e5a55909c5aff5269a"
                + "86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
        for (AesGcm gcm : List.of(NATIVE, JAVA)) {
            assertThat(hex.formatHex(Aead.open(gcm, k, a, sealed))).as(gcm.name()).isEqualTo(expected);
        }
    }

    /** A flipped bit anywhere (nonce, ciphertext, tag), a wrong key or wrong associated data: refused by both alike. */
    @ParameterizedTest
    @ValueSource(ints = {0, 11, 12, 40, -1})
    void bothRefuseTamperedBytesWithTheSameError(int position) {
        byte[] sealed = Aead.seal(key, aad, new byte[64]);
        int at = position < 0 ? sealed.length + position : position;
        sealed[at] ^= 0x01;
        for (AesGcm gcm : List.of(NATIVE, JAVA)) {
            assertThatThrownBy(() -> Aead.open(gcm, key, aad, sealed)).as(gcm.name())
                    .isInstanceOf(CryptoException.class).hasMessage("authentication failed: wrong key or tampered data");
        }
        byte[] intact = Aead.seal(key, aad, new byte[64]);
        for (AesGcm gcm : List.of(NATIVE, JAVA)) {
            assertThatThrownBy(() -> Aead.open(gcm, Aead.randomKey(), aad, intact)).isInstanceOf(CryptoException.class);
            assertThatThrownBy(() -> Aead.open(gcm, key, new byte[0], intact)).isInstanceOf(CryptoException.class);
            assertThat(Aead.open(gcm, key, aad, intact)).as("a refusal leaves the cipher usable").hasSize(64);
        }
    }

    /** Many threads sealing and opening at once each get their own bytes back. */
    @Test
    void manyThreadsSealAndOpenAtOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int seed = t;
                results.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    for (int i = 0; i < 2_000; i++) {
                        byte[] k = Aead.randomKey();
                        byte[] value = new byte[random.nextInt(700)];
                        random.nextBytes(value);
                        if (!java.util.Arrays.equals(Aead.open(NATIVE, k, aad, Aead.seal(NATIVE, k, aad, value)), value)) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> r : results) {
                assertThat(r.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
