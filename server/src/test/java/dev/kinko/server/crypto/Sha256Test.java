package dev.kinko.server.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Sha256Test {
    @Test
    void isNativeOnLinuxX86AndGivesTheJdksDigestForWholeArraysAndSlices() throws Exception {
        if (System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64")) {
            assertThat(Sha256.newDigest().getProvider().getName()).isEqualTo("Conscrypt");
        }
        MessageDigest jdk = MessageDigest.getInstance("SHA-256", "SUN");
        Random random = new Random(256);
        for (int length = 0; length <= 300; length++) {
            byte[] bytes = new byte[length + 10];
            random.nextBytes(bytes);
            assertThat(Sha256.of(bytes)).isEqualTo(jdk.digest(bytes));
            assertThat(Sha256.of(bytes, 5, length)).isEqualTo(jdk.digest(Arrays.copyOfRange(bytes, 5, 5 + length)));
        }
    }
}
