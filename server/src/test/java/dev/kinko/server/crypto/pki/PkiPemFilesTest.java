package dev.kinko.server.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PkiPemFilesTest {
    @TempDir
    Path dir;

    private static final KeyPair KEYS = Certificates.newKeyPair();
    private static final X509Certificate CERT = Certificates.selfSignedCa(KEYS, new X500Name("CN=pem test"),
            Instant.now(), Instant.now().plus(Duration.ofDays(1)));

    @Test
    void aKeyFileIsOwnerOnlyPkcs8AndReadsBack() throws IOException {
        Path file = dir.resolve("a.key");

        PemFiles.writePrivateKey(file, KEYS.getPrivate());

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(PemFiles.readPrivateKey(file)).isEqualTo(KEYS.getPrivate());
    }

    @Test
    void anEcPrivateKeyFileIsReadToo() throws IOException {
        // what openssl ecparam -genkey writes: the curve, then the "EC PRIVATE KEY" (SEC 1) with its named curve
        ECPrivateKey ec = (ECPrivateKey) KEYS.getPrivate();
        byte[] sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(ec.getParams().getOrder().bitLength(), ec.getS(),
                SECObjectIdentifiers.secp256r1).getEncoded();
        StringWriter text = new StringWriter();
        try (PemWriter pem = new PemWriter(text)) {
            pem.writeObject(new PemObject("EC PARAMETERS", SECObjectIdentifiers.secp256r1.getEncoded()));
            pem.writeObject(new PemObject("EC PRIVATE KEY", sec1));
        }
        Path file = Files.writeString(dir.resolve("ec.key"), text.toString());

        PrivateKey key = PemFiles.readPrivateKey(file);

        assertThat(((ECPrivateKey) key).getS()).isEqualTo(ec.getS());
        assertThat(((ECPrivateKey) key).getParams().getCurve()).isEqualTo(ec.getParams().getCurve());
    }

    @Test
    void certificatesAreWrittenInOrderAndReadBack() throws IOException {
        KeyPair other = Certificates.newKeyPair();
        X509Certificate second = Certificates.selfSignedCa(other, new X500Name("CN=second"),
                Instant.now(), Instant.now().plus(Duration.ofDays(1)));
        Path file = dir.resolve("chain.crt");

        PemFiles.writeCertificates(file, List.of(CERT, second));

        assertThat(PemFiles.readCertificates(file)).containsExactly(CERT, second);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r--r--");
    }

    @Test
    void existingFilesAreNeverOverwritten() throws IOException {
        Path key = dir.resolve("taken.key");
        Path cert = dir.resolve("taken.crt");
        Files.writeString(key, "keep me");
        Files.writeString(cert, "keep me");

        assertThatThrownBy(() -> PemFiles.writePrivateKey(key, KEYS.getPrivate()))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining(key.toString());
        assertThatThrownBy(() -> PemFiles.writeCertificates(cert, List.of(CERT)))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining(cert.toString());
        assertThat(Files.readString(key)).isEqualTo("keep me");
        assertThat(Files.readString(cert)).isEqualTo("keep me");
    }

    @Test
    void errorsNameTheFileButNeverQuoteTheKey() throws IOException {
        Path key = dir.resolve("k.key");
        PemFiles.writePrivateKey(key, KEYS.getPrivate());
        String body = Base64.getEncoder().encodeToString(KEYS.getPrivate().getEncoded());
        // damage the key: a truncated body
        Path damaged = dir.resolve("damaged.key");
        Files.writeString(damaged, "-----BEGIN PRIVATE KEY-----\n" + body.substring(0, 20) + "\n-----END PRIVATE KEY-----\n");

        assertThatThrownBy(() -> PemFiles.readPrivateKey(damaged))
                .isInstanceOf(IOException.class).hasMessageContaining(damaged.toString())
                .hasMessageNotContaining(body.substring(0, 20)).hasNoCause();
        assertThatThrownBy(() -> PemFiles.readCertificates(key))
                .isInstanceOf(IOException.class).hasMessageContaining(key.toString())
                .hasMessageNotContaining(body.substring(0, 20));
        Path certFile = dir.resolve("c.crt");
        PemFiles.writeCertificates(certFile, List.of(CERT));
        assertThatThrownBy(() -> PemFiles.readPrivateKey(certFile))
                .isInstanceOf(IOException.class).hasMessageContaining(certFile.toString());
        Path twoKeys = dir.resolve("two.key");
        Files.writeString(twoKeys, Files.readString(key) + Files.readString(key));
        assertThatThrownBy(() -> PemFiles.readPrivateKey(twoKeys)).hasMessageContaining("exactly one");
    }

    @Test
    void emptyMissingAndNonPemFilesAreRefused() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.crt"), "");
        Path text = Files.writeString(dir.resolve("text.crt"), "hello\n");
        assertThatThrownBy(() -> PemFiles.readCertificates(empty)).hasMessageContaining("holds no certificate");
        assertThatThrownBy(() -> PemFiles.readCertificates(text)).hasMessageContaining(text.toString());
        assertThatThrownBy(() -> PemFiles.readPrivateKey(empty)).hasMessageContaining(empty.toString());
        assertThatThrownBy(() -> PemFiles.readPrivateKey(dir.resolve("missing.key"))).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("missing.key");
    }
}
