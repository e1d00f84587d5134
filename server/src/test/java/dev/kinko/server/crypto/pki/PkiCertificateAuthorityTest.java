package dev.kinko.server.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PkiCertificateAuthorityTest {
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final int SAN_DNS = 2;
    private static final int SAN_URI = 6;
    private static final int SAN_IP = 7;

    @TempDir
    Path tmp;

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static List<List<?>> sans(X509Certificate cert) throws Exception {
        return cert.getSubjectAlternativeNames().stream().<List<?>>map(List::copyOf).toList();
    }

    @Test
    void initMakesAPrivateSelfSignedCa() throws Exception {
        Path dir = tmp.resolve("pki");

        CertificateAuthority ca = CertificateAuthority.init(dir);

        assertThat(mode(dir)).isEqualTo("rwx------");
        assertThat(mode(dir.resolve("ca.key"))).isEqualTo("rw-------");
        X509Certificate cert = PemFiles.readCertificates(dir.resolve("ca.crt")).get(0);
        assertThat(cert).isEqualTo(ca.certificate());
        cert.verify(cert.getPublicKey());
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=Kinko deployment CA,O=Kinko");
        assertThat(cert.getIssuerX500Principal()).isEqualTo(cert.getSubjectX500Principal());
        assertThat(cert.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(cert.getCriticalExtensionOIDs()).contains("2.5.29.19", "2.5.29.15");
        boolean[] usage = cert.getKeyUsage();
        assertThat(usage[5]).as("keyCertSign").isTrue();
        assertThat(usage[6]).as("cRLSign").isTrue();
        assertThat(cert.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(cert.getSigAlgName()).isEqualTo("SHA256withECDSA");
        Duration validity = Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant());
        assertThat(validity).isEqualTo(CertificateAuthority.CA_VALIDITY.plus(CertificateAuthority.CLOCK_SKEW));
        assertThat(cert.getSerialNumber().signum()).isPositive();
        assertThat(cert.getSerialNumber().bitLength()).isLessThanOrEqualTo(Certificates.SERIAL_BITS);
    }

    @Test
    void initRefusesADirectoryThatHasACa() throws Exception {
        Path dir = tmp.resolve("pki");
        CertificateAuthority.init(dir);
        byte[] key = Files.readAllBytes(dir.resolve("ca.key"));

        assertThatThrownBy(() -> CertificateAuthority.init(dir))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining("ca.key");
        assertThat(Files.readAllBytes(dir.resolve("ca.key"))).isEqualTo(key);
    }

    @Test
    void initRefusesADirectoryOthersCanEnter() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));

        assertThatThrownBy(() -> CertificateAuthority.init(dir))
                .isInstanceOf(IOException.class).hasMessageContaining("chmod 700");
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void aNodeCertificateChainsToTheCaAndNamesItsHostsAndIdentity() throws Exception {
        Path dir = tmp.resolve("pki");
        CertificateAuthority.init(dir);
        CertificateAuthority ca = CertificateAuthority.load(dir);

        IssuedCertificate issued = ca.issueNode("tokyo", "n1", List.of("kinko-1.example", "10.0.0.7", "::1", "[fe80::1]"),
                CertificateAuthority.DEFAULT_VALIDITY);

        assertThat(issued.certificate()).isEqualTo(dir.resolve("nodes/n1.crt"));
        assertThat(issued.privateKey()).isEqualTo(dir.resolve("nodes/n1.key"));
        assertThat(issued.identity()).isEqualTo(PeerIdentity.node("tokyo", "n1"));
        assertThat(mode(dir.resolve("nodes"))).isEqualTo("rwx------");
        assertThat(mode(issued.privateKey())).isEqualTo("rw-------");

        List<X509Certificate> chain = PemFiles.readCertificates(issued.certificate());
        assertThat(chain).hasSize(2);
        assertThat(chain.get(1)).isEqualTo(ca.certificate());
        X509Certificate leaf = chain.get(0);
        leaf.verify(ca.certificate().getPublicKey());
        leaf.checkValidity();
        assertThat(leaf.getIssuerX500Principal()).isEqualTo(ca.certificate().getSubjectX500Principal());
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.getExtendedKeyUsage()).containsExactlyInAnyOrder(SERVER_AUTH, CLIENT_AUTH);
        assertThat(sans(leaf)).containsExactly(
                List.of(SAN_DNS, "kinko-1.example"), List.of(SAN_IP, "10.0.0.7"),
                List.of(SAN_IP, "0:0:0:0:0:0:0:1"), List.of(SAN_IP, "fe80:0:0:0:0:0:0:1"),
                List.of(SAN_URI, "kinko://node/tokyo/n1"));
        assertThat(PeerIdentity.of(leaf)).contains(issued.identity());
        Duration validity = Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
        assertThat(validity).isEqualTo(Duration.ofDays(365).plus(CertificateAuthority.CLOCK_SKEW));
        assertThat(leaf.getSerialNumber()).isNotEqualTo(ca.certificate().getSerialNumber());

        // the key file holds the key of this certificate
        assertThat(signsFor(PemFiles.readPrivateKey(issued.privateKey()), leaf)).isTrue();
    }

    @Test
    void aNodeWithoutHostsIsNamedForALocalDeployment() throws Exception {
        CertificateAuthority ca = CertificateAuthority.init(tmp.resolve("pki"));

        X509Certificate leaf = PemFiles.readCertificates(
                ca.issueNode("tokyo", "n2", List.of(), CertificateAuthority.DEFAULT_VALIDITY).certificate()).get(0);

        assertThat(sans(leaf)).containsExactly(List.of(SAN_DNS, "localhost"), List.of(SAN_IP, "127.0.0.1"),
                List.of(SAN_URI, "kinko://node/tokyo/n2"));
    }

    @Test
    void regionAndClientCertificates() throws Exception {
        Path dir = tmp.resolve("pki");
        CertificateAuthority ca = CertificateAuthority.init(dir);

        IssuedCertificate region = ca.issueRegion("osaka", Duration.ofDays(30));
        IssuedCertificate client = ca.issueClient("billing", Duration.ofDays(7));

        assertThat(region.certificate()).isEqualTo(dir.resolve("regions/osaka.crt"));
        assertThat(client.privateKey()).isEqualTo(dir.resolve("clients/billing.key"));
        X509Certificate regionLeaf = PemFiles.readCertificates(region.certificate()).get(0);
        X509Certificate clientLeaf = PemFiles.readCertificates(client.certificate()).get(0);
        regionLeaf.verify(ca.certificate().getPublicKey());
        clientLeaf.verify(ca.certificate().getPublicKey());
        assertThat(regionLeaf.getExtendedKeyUsage()).containsExactlyInAnyOrder(SERVER_AUTH, CLIENT_AUTH);
        assertThat(clientLeaf.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
        assertThat(sans(regionLeaf)).containsExactly(List.of(SAN_URI, "kinko://region/osaka"));
        assertThat(sans(clientLeaf)).containsExactly(List.of(SAN_URI, "kinko://client/billing"));
        assertThat(clientLeaf.getSubjectX500Principal().getName()).isEqualTo("CN=billing,O=Kinko");
        assertThat(PeerIdentity.of(regionLeaf)).contains(PeerIdentity.region("osaka"));
        assertThat(PeerIdentity.of(clientLeaf).map(PeerIdentity::principal)).contains("client:billing");
        assertThat(mode(dir.resolve("regions"))).isEqualTo("rwx------");
        assertThat(mode(dir.resolve("clients"))).isEqualTo("rwx------");
        assertThat(mode(region.privateKey())).isEqualTo("rw-------");
        assertThat(mode(client.privateKey())).isEqualTo("rw-------");
    }

    @Test
    void issuingNeverOverwrites() throws Exception {
        Path dir = tmp.resolve("pki");
        CertificateAuthority ca = CertificateAuthority.init(dir);
        IssuedCertificate first = ca.issueClient("app", Duration.ofDays(1));
        byte[] key = Files.readAllBytes(first.privateKey());

        assertThatThrownBy(() -> ca.issueClient("app", Duration.ofDays(1)))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining("app.crt");
        assertThat(Files.readAllBytes(first.privateKey())).isEqualTo(key);

        // a stray key without its certificate is not replaced either
        Files.delete(first.certificate());
        assertThatThrownBy(() -> ca.issueClient("app", Duration.ofDays(1)))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining("app.key");
        assertThat(Files.readAllBytes(first.privateKey())).isEqualTo(key);
    }

    @Test
    void aCertificateFromAnotherCaDoesNotVerify() throws Exception {
        CertificateAuthority ours = CertificateAuthority.init(tmp.resolve("ours"));
        CertificateAuthority theirs = CertificateAuthority.init(tmp.resolve("theirs"));
        X509Certificate foreign = PemFiles.readCertificates(
                theirs.issueClient("intruder", Duration.ofDays(1)).certificate()).get(0);

        assertThatThrownBy(() -> foreign.verify(ours.certificate().getPublicKey())).isInstanceOf(SignatureException.class);
        assertThat(ours.certificate().getSubjectX500Principal()).isEqualTo(theirs.certificate().getSubjectX500Principal());
    }

    @Test
    void badNamesHostsAndValiditiesAreRefused() throws Exception {
        CertificateAuthority ca = CertificateAuthority.init(tmp.resolve("pki"));

        assertThatThrownBy(() -> ca.issueNode("Tokyo", "n1", List.of(), Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("region");
        assertThatThrownBy(() -> ca.issueNode("tokyo", "../n1", List.of(), Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("node id");
        assertThatThrownBy(() -> ca.issueClient("a/b", Duration.ofDays(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ca.issueNode("tokyo", "n1", List.of("bad host"), Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad host");
        assertThatThrownBy(() -> ca.issueNode("tokyo", "n1", List.of("*.example"), Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ca.issueClient("a", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ca.issueClient("a", CertificateAuthority.CA_VALIDITY.plusDays(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outlive the CA");
        assertThat(ca.issueNode("tokyo", "n3", List.of("h".repeat(63) + "." + "h".repeat(63)), Duration.ofDays(1))).isNotNull();
        try (Stream<Path> files = Files.list(tmp.resolve("pki/nodes"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("n3.crt", "n3.key");
        }
    }

    @Test
    void nodeHostsUpToTheLimit() throws Exception {
        CertificateAuthority ca = CertificateAuthority.init(tmp.resolve("pki"));
        List<String> hosts = Stream.iterate(1, i -> i + 1).limit(CertificateAuthority.MAX_HOSTS).map(i -> "h" + i).toList();

        assertThat(ca.issueNode("tokyo", "n1", hosts, Duration.ofDays(1))).isNotNull();
        List<String> tooMany = Stream.concat(hosts.stream(), Stream.of("one-more")).toList();
        assertThatThrownBy(() -> ca.issueNode("tokyo", "n2", tooMany, Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(String.valueOf(CertificateAuthority.MAX_HOSTS));
    }

    @Test
    void loadRefusesAMissingCaAKeyOthersCanReadAndAMismatchedKey() throws Exception {
        assertThatThrownBy(() -> CertificateAuthority.load(tmp.resolve("none")))
                .isInstanceOf(IOException.class).hasMessageContaining("no deployment CA");

        Path dir = tmp.resolve("pki");
        CertificateAuthority.init(dir);
        Files.setPosixFilePermissions(dir.resolve("ca.key"), PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> CertificateAuthority.load(dir)).hasMessageContaining("chmod 600");

        Path other = tmp.resolve("other");
        CertificateAuthority.init(other);
        Files.delete(dir.resolve("ca.key"));
        Files.copy(other.resolve("ca.key"), dir.resolve("ca.key"));
        Files.setPosixFilePermissions(dir.resolve("ca.key"), PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> CertificateAuthority.load(dir)).hasMessageContaining("is not the key of");
    }

    private static boolean signsFor(PrivateKey key, X509Certificate cert) throws Exception {
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(key);
        s.update(new byte[] {1, 2, 3});
        byte[] signature = s.sign();
        s.initVerify(cert.getPublicKey());
        s.update(new byte[] {1, 2, 3});
        return s.verify(signature);
    }
}
