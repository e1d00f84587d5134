package dev.kinko.server.testing;

import dev.kinko.server.config.NodeConfig;
import dev.kinko.server.crypto.pki.CertificateAuthority;
import dev.kinko.server.crypto.pki.IssuedCertificate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The deployment CA of the tests: one per test JVM, shared by every region started in it, so
 * tokyo and osaka (and a region restored elsewhere) trust each other as two datacenters of one
 * deployment do. Certificates are made once per node and region name and reused.
 */
public final class TestPki {
    public static final Duration VALIDITY = Duration.ofDays(2);
    private static Path dir;
    private static CertificateAuthority ca;

    private TestPki() {}

    public static synchronized CertificateAuthority ca() {
        if (ca == null) {
            try {
                Path root = Files.createTempDirectory("kinko-test-pki");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        dev.kinko.server.storage.FileTrees.delete(root);
                    } catch (IOException ignored) {
                        // a temporary directory
                    }
                }));
                dir = root.resolve("pki");
                ca = CertificateAuthority.init(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return ca;
    }

    public static Path caFile() {
        ca();
        return dir.resolve("ca.crt");
    }

    /** A node's TLS settings: its node certificate and its region's certificate, made when missing. */
    public static synchronized NodeConfig.Tls nodeTls(String region, String nodeId, String clientAuth) {
        CertificateAuthority ca = ca();
        try {
            Path nodeCert = dir.resolve("nodes").resolve(nodeId + ".crt");
            Path nodeKey = dir.resolve("nodes").resolve(nodeId + ".key");
            if (!Files.exists(nodeCert)) {
                IssuedCertificate c = ca.issueNode(region, nodeId, List.of(), VALIDITY);
                nodeCert = c.certificate();
                nodeKey = c.privateKey();
            }
            Path regionCert = dir.resolve("regions").resolve(region + ".crt");
            Path regionKey = dir.resolve("regions").resolve(region + ".key");
            if (!Files.exists(regionCert)) {
                IssuedCertificate c = ca.issueRegion(region, VALIDITY);
                regionCert = c.certificate();
                regionKey = c.privateKey();
            }
            return new NodeConfig.Tls(dir.resolve("ca.crt"), nodeCert, nodeKey, regionCert, regionKey, clientAuth);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A client certificate naming principal {@code client:<name>}; made once per name. */
    public static synchronized IssuedCertificate client(String name) {
        ca();
        try {
            Path cert = dir.resolve("clients").resolve(name + ".crt");
            if (Files.exists(cert)) {
                return new IssuedCertificate(cert, dir.resolve("clients").resolve(name + ".key"),
                        dev.kinko.server.crypto.pki.PeerIdentity.client(name));
            }
            return ca().issueClient(name, VALIDITY);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A region-link certificate naming {@code region:<name>}; made once per name. */
    public static synchronized IssuedCertificate region(String name) {
        ca();
        try {
            Path cert = dir.resolve("regions").resolve(name + ".crt");
            if (Files.exists(cert)) {
                return new IssuedCertificate(cert, dir.resolve("regions").resolve(name + ".key"),
                        dev.kinko.server.crypto.pki.PeerIdentity.region(name));
            }
            return ca().issueRegion(name, VALIDITY);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
