package dev.kinko.server.crypto.pki;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * One node's TLS material, loaded once at start: the deployment CA it trusts, its node
 * certificate (client port, Raft port, calls to the region's other nodes) and its region
 * certificate (shipping to replica regions). Every port and every outgoing channel uses it;
 * nothing in Kinko talks plaintext.
 */
public final class NodeTls {
    /** Whether the client port asks callers for a certificate (an identity besides tokens). */
    public enum ClientAuth { OPTIONAL, REQUIRE }

    private final ClientAuth clientAuth;
    private final List<X509Certificate> trusted;
    private final X509Certificate nodeCertificate;
    private final PrivateKey nodeKey;
    private final X509KeyManager nodeKeys;
    private final X509KeyManager regionKeys;
    private final X509TrustManager trust;

    private NodeTls(ClientAuth clientAuth, List<X509Certificate> trusted, X509Certificate nodeCertificate,
                    PrivateKey nodeKey, X509KeyManager nodeKeys, X509KeyManager regionKeys, X509TrustManager trust) {
        this.clientAuth = clientAuth;
        this.trusted = trusted;
        this.nodeCertificate = nodeCertificate;
        this.nodeKey = nodeKey;
        this.nodeKeys = nodeKeys;
        this.regionKeys = regionKeys;
        this.trust = trust;
    }

    /**
     * Loads and checks the files: the node certificate must name this very node and the region
     * certificate this region, both issued by the CA; a wrong copy is refused at start.
     */
    public static NodeTls load(String region, String nodeId, Path caFile, Path certFile, Path keyFile,
                               Path regionCertFile, Path regionKeyFile, String clientAuth) throws IOException {
        List<X509Certificate> trusted = PemFiles.readCertificates(caFile);
        if (trusted.isEmpty()) {
            throw new IOException("tls.ca_file " + caFile + " holds no certificate");
        }
        X509Certificate node = leaf(certFile, trusted);
        PeerIdentity expectedNode = new PeerIdentity(PeerIdentity.Kind.NODE, region, nodeId, nodeId);
        if (!PeerIdentity.of(node).equals(Optional.of(expectedNode))) {
            throw new IOException("tls.cert_file " + certFile + " does not name node " + nodeId + " of region "
                    + region + " (it names " + PeerIdentity.of(node).map(PeerIdentity::uri).orElse("nothing Kinko knows")
                    + "); issue one with 'kinko pki issue node " + nodeId + " --region " + region + "'");
        }
        X509Certificate regionCert = leaf(regionCertFile, trusted);
        if (!PeerIdentity.of(regionCert).map(p -> p.kind() == PeerIdentity.Kind.REGION && p.region().equals(region))
                .orElse(false)) {
            throw new IOException("tls.region_cert_file " + regionCertFile + " does not name region " + region);
        }
        PrivateKey key = PemFiles.readPrivateKey(keyFile);
        PrivateKey regionKey = PemFiles.readPrivateKey(regionKeyFile); // fail at start, not at the first shipment
        return new NodeTls(ClientAuth.valueOf(clientAuth.toUpperCase(Locale.ROOT)), trusted, node, key,
                TlsManagers.keyManager(key, PemFiles.readCertificates(certFile)),
                TlsManagers.keyManager(regionKey, PemFiles.readCertificates(regionCertFile)),
                TlsManagers.trustManager(trusted));
    }

    private static X509Certificate leaf(Path file, List<X509Certificate> trusted) throws IOException {
        List<X509Certificate> chain = PemFiles.readCertificates(file);
        if (chain.isEmpty()) {
            throw new IOException(file + " holds no certificate");
        }
        X509Certificate leaf = chain.get(0);
        for (X509Certificate ca : trusted) {
            try {
                leaf.verify(ca.getPublicKey());
                leaf.checkValidity();
                return leaf;
            } catch (java.security.cert.CertificateExpiredException | java.security.cert.CertificateNotYetValidException e) {
                throw new IOException(file + " is not valid now: " + e.getMessage());
            } catch (java.security.GeneralSecurityException e) {
                // not this CA: try the next one
            }
        }
        throw new IOException(file + " was not issued by the CA in tls.ca_file");
    }

    /** The client port: TLS always; a client certificate as the config's client_auth says. */
    public ServerCredentials clientPort() {
        TlsServerCredentials.Builder b = TlsServerCredentials.newBuilder().keyManager(nodeKeys).trustManager(trust);
        b.clientAuth(switch (clientAuth) {
            case OPTIONAL -> TlsServerCredentials.ClientAuth.OPTIONAL;
            case REQUIRE -> TlsServerCredentials.ClientAuth.REQUIRE;
        });
        return b.build();
    }

    /** Channels to the region's other nodes (forwarding, status), presenting the node certificate. */
    public ChannelCredentials asNode() {
        return TlsChannelCredentials.newBuilder().keyManager(nodeKeys).trustManager(trust).build();
    }

    /** Channels to replica regions, presenting the region certificate: the receiver binds the batch to it. */
    public ChannelCredentials asRegion() {
        return TlsChannelCredentials.newBuilder().keyManager(regionKeys).trustManager(trust).build();
    }

    /** The node certificate's key manager, for Ratis' server and clients. */
    public X509KeyManager nodeKeyManager() {
        return nodeKeys;
    }

    /** Trusts the deployment CA only. */
    public X509TrustManager trustManager() {
        return trust;
    }

    public List<X509Certificate> trusted() {
        return trusted;
    }

    public X509Certificate nodeCertificate() {
        return nodeCertificate;
    }

    public PrivateKey nodeKey() {
        return nodeKey;
    }
}
