package dev.kinko.server.crypto.pki;

import dev.kinko.server.storage.FileTrees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;

/**
 * The deployment's own certificate authority: a directory holding {@code ca.crt}
 * and {@code ca.key}, into which it issues node, region-link and client
 * certificates ({@code nodes/}, {@code regions/}, {@code clients/}). Every
 * directory is 0700 and every private key file 0600; nothing is overwritten.
 * Each issued certificate file holds the leaf and then the CA certificate, so a
 * TLS server can present the whole chain.
 */
public final class CertificateAuthority {
    public static final String CA_CERTIFICATE_FILE = "ca.crt";
    public static final String CA_KEY_FILE = "ca.key";
    public static final String NODES_DIR = "nodes";
    public static final String REGIONS_DIR = "regions";
    public static final String CLIENTS_DIR = "clients";
    public static final String CERTIFICATE_SUFFIX = ".crt";
    public static final String KEY_SUFFIX = ".key";
    public static final Duration CA_VALIDITY = Duration.ofDays(3650);
    public static final int DEFAULT_VALIDITY_DAYS = 365;
    public static final Duration DEFAULT_VALIDITY = Duration.ofDays(DEFAULT_VALIDITY_DAYS);
    /** Certificates start this long before they are made, so a node whose clock is a little behind accepts them. */
    public static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
    /** The hosts of a node certificate when none are given: a local deployment. */
    public static final List<String> DEFAULT_HOSTS = List.of("localhost", "127.0.0.1");
    public static final int MAX_HOSTS = 64;
    public static final Set<PosixFilePermission> DIRECTORY_MODE = PosixFilePermissions.fromString("rwx------");
    public static final String ORGANIZATION = "Kinko";
    public static final String CA_COMMON_NAME = "Kinko deployment CA";

    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
    private static final KeyPurposeId[] SERVER_AND_CLIENT = {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth};
    private static final KeyPurposeId[] CLIENT_ONLY = {KeyPurposeId.id_kp_clientAuth};

    private final Path dir;
    private final X509Certificate certificate;
    private final PrivateKey key;

    private CertificateAuthority(Path dir, X509Certificate certificate, PrivateKey key) {
        this.dir = dir;
        this.certificate = certificate;
        this.key = key;
    }

    /** Makes a new CA in {@code dir} (created 0700 if missing); refuses a directory that already has one. */
    public static CertificateAuthority init(Path dir) throws IOException {
        privateDirectory(dir);
        Path certFile = dir.resolve(CA_CERTIFICATE_FILE);
        Path keyFile = dir.resolve(CA_KEY_FILE);
        refuseExisting(keyFile);
        refuseExisting(certFile);
        KeyPair keys = Certificates.newKeyPair();
        Instant now = Instant.now();
        X509Certificate cert = Certificates.selfSignedCa(keys, name(CA_COMMON_NAME), now.minus(CLOCK_SKEW), now.plus(CA_VALIDITY));
        writePair(certFile, List.of(cert), keyFile, keys.getPrivate());
        return new CertificateAuthority(dir, cert, keys.getPrivate());
    }

    /** Opens the CA in {@code dir}: its certificate, and its key (which must be private to its owner and match). */
    public static CertificateAuthority load(Path dir) throws IOException {
        Path keyFile = dir.resolve(CA_KEY_FILE);
        if (!Files.exists(keyFile)) {
            throw new IOException("no deployment CA in " + dir + ": " + CA_KEY_FILE + " is missing (pki init makes one)");
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(keyFile);
        if (mode.stream().anyMatch(OTHERS::contains)) {
            throw new IOException(keyFile + " is accessible by others (mode " + PosixFilePermissions.toString(mode)
                    + "); run: chmod 600 " + keyFile);
        }
        X509Certificate cert = PemFiles.readCertificates(dir.resolve(CA_CERTIFICATE_FILE)).get(0);
        if (cert.getBasicConstraints() < 0) {
            throw new IOException(dir.resolve(CA_CERTIFICATE_FILE) + " is not a CA certificate");
        }
        PrivateKey key = PemFiles.readPrivateKey(keyFile);
        if (!belongTogether(cert, key)) {
            throw new IOException(keyFile + " is not the key of " + dir.resolve(CA_CERTIFICATE_FILE));
        }
        return new CertificateAuthority(dir, cert, key);
    }

    /**
     * A node's certificate, {@code nodes/<nodeId>.crt|.key}: TLS server on its client and Raft ports and TLS client
     * to its peers. {@code hosts} (DNS names or IP literals) are what clients dial; empty means {@link #DEFAULT_HOSTS}.
     */
    public IssuedCertificate issueNode(String region, String nodeId, List<String> hosts, Duration validity) throws IOException {
        PeerIdentity identity = PeerIdentity.node(region, nodeId);
        List<String> dialed = hosts.isEmpty() ? DEFAULT_HOSTS : hosts;
        if (dialed.size() > MAX_HOSTS) {
            throw new IllegalArgumentException("a node certificate names at most " + MAX_HOSTS + " hosts, not " + dialed.size());
        }
        Set<GeneralName> names = new LinkedHashSet<>();
        for (String host : dialed) {
            names.add(HostNames.altName(host));
        }
        return issue(NODES_DIR, nodeId, identity, names, SERVER_AND_CLIENT, validity);
    }

    /** A region link's certificate, {@code regions/<region>.crt|.key}: the region as a shipper (client) and receiver (server). */
    public IssuedCertificate issueRegion(String region, Duration validity) throws IOException {
        return issue(REGIONS_DIR, region, PeerIdentity.region(region), Set.of(), SERVER_AND_CLIENT, validity);
    }

    /** A client principal's certificate, {@code clients/<name>.crt|.key}: TLS client only. */
    public IssuedCertificate issueClient(String name, Duration validity) throws IOException {
        return issue(CLIENTS_DIR, name, PeerIdentity.client(name), Set.of(), CLIENT_ONLY, validity);
    }

    public Path directory() {
        return dir;
    }

    public Path certificateFile() {
        return dir.resolve(CA_CERTIFICATE_FILE);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    private IssuedCertificate issue(String subdir, String stem, PeerIdentity identity, Set<GeneralName> hosts,
            KeyPurposeId[] purposes, Duration validity) throws IOException {
        if (validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("a certificate's validity must be positive, not " + validity);
        }
        Instant now = Instant.now();
        Instant caEnd = certificate.getNotAfter().toInstant();
        if (validity.compareTo(Duration.between(now, caEnd)) > 0) {
            throw new IllegalArgumentException("a certificate valid for " + validity.toDays()
                    + " days would outlive the CA (valid until " + caEnd + ")");
        }
        Instant notAfter = now.plus(validity);
        Path where = dir.resolve(subdir);
        privateDirectory(where);
        Path certFile = where.resolve(stem + CERTIFICATE_SUFFIX);
        Path keyFile = where.resolve(stem + KEY_SUFFIX);
        refuseExisting(certFile);
        refuseExisting(keyFile);

        List<GeneralName> altNames = new ArrayList<>(hosts);
        altNames.add(new GeneralName(GeneralName.uniformResourceIdentifier, identity.uri()));
        KeyPair keys = Certificates.newKeyPair();
        X509Certificate cert = Certificates.leaf(certificate, key, name(identity.name()), keys.getPublic(),
                new GeneralNames(altNames.toArray(GeneralName[]::new)), purposes, now.minus(CLOCK_SKEW), notAfter);
        writePair(certFile, List.of(cert, certificate), keyFile, keys.getPrivate());
        return new IssuedCertificate(certFile, keyFile, identity);
    }

    /** Writes the key, then the certificate; if the certificate cannot be written the key is removed again. */
    private static void writePair(Path certFile, List<X509Certificate> chain, Path keyFile, PrivateKey key) throws IOException {
        PemFiles.writePrivateKey(keyFile, key);
        try {
            PemFiles.writeCertificates(certFile, chain);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(keyFile);
            throw e;
        }
        FileTrees.fsync(certFile.toAbsolutePath().getParent());
    }

    private static X500Name name(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, ORGANIZATION)
                .addRDN(BCStyle.CN, commonName)
                .build();
    }

    /** Creates the directory 0700, or accepts an existing one only if no one else can enter it. */
    private static void privateDirectory(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIRECTORY_MODE));
            return;
        }
        if (!Files.isDirectory(dir)) {
            throw new NotDirectoryException(dir.toString());
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir);
        if (mode.stream().anyMatch(OTHERS::contains)) {
            throw new IOException(dir + " is accessible by others (mode " + PosixFilePermissions.toString(mode)
                    + "); it will hold private keys: run chmod 700 " + dir + " or give a new directory");
        }
    }

    private static void refuseExisting(Path file) throws FileAlreadyExistsException {
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(file.toString(), null, "exists; Kinko never overwrites a certificate or key file");
        }
    }

    /** Whether the key signs what the certificate's public key verifies (a CA key swapped by mistake is caught at load). */
    private static boolean belongTogether(X509Certificate cert, PrivateKey key) {
        byte[] probe = "kinko-ca-key-check".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(Certificates.SIGNATURE_ALGORITHM);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(Certificates.SIGNATURE_ALGORITHM);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
