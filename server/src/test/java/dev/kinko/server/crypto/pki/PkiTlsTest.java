package dev.kinko.server.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issued files work for mutual TLS with grpc-java's Netty transport: as files (what clients
 * use) and through {@link NodeTls}'s key and trust managers (what a node uses).
 */
class PkiTlsTest {
    private static final long DEADLINE_SECONDS = 20;

    @TempDir
    static Path tmp;
    static CertificateAuthority ca;
    static CertificateAuthority otherCa;
    static Server server;

    @BeforeAll
    static void startNode() throws IOException {
        ca = CertificateAuthority.init(tmp.resolve("pki"));
        otherCa = CertificateAuthority.init(tmp.resolve("other-pki"));
        // the node's own server credentials, from the key and trust managers NodeTls builds once
        ServerCredentials credentials = nodeTls(ca, "n1", "require").clientPort();
        server = NettyServerBuilder.forPort(0, credentials)
                .addService(new HealthStatusManager().getHealthService())
                .build()
                .start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (server != null) {
            server.shutdownNow().awaitTermination(DEADLINE_SECONDS, TimeUnit.SECONDS);
        }
    }

    /** A node of region tokyo with the files {@code authority} issued, loaded as a node loads them. */
    private static NodeTls nodeTls(CertificateAuthority authority, String nodeId, String clientAuth) throws IOException {
        IssuedCertificate node = authority.issueNode("tokyo", nodeId, List.of(), CertificateAuthority.DEFAULT_VALIDITY);
        Path regions = authority.directory().resolve(CertificateAuthority.REGIONS_DIR);
        Path regionCert = regions.resolve("tokyo" + CertificateAuthority.CERTIFICATE_SUFFIX);
        if (!Files.exists(regionCert)) {
            authority.issueRegion("tokyo", CertificateAuthority.DEFAULT_VALIDITY);
        }
        return NodeTls.load("tokyo", nodeId, authority.certificateFile(), node.certificate(), node.privateKey(),
                regionCert, regions.resolve("tokyo" + CertificateAuthority.KEY_SUFFIX), clientAuth);
    }

    private static HealthCheckResponse.ServingStatus check(IssuedCertificate client, Path trusted) throws Exception {
        return check(TlsChannelCredentials.newBuilder()
                .keyManager(client.certificate().toFile(), client.privateKey().toFile())
                .trustManager(trusted.toFile())
                .build());
    }

    private static HealthCheckResponse.ServingStatus check(ChannelCredentials credentials) throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", server.getPort(), credentials).build();
        try {
            return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance()).getStatus();
        } finally {
            channel.shutdownNow().awaitTermination(DEADLINE_SECONDS, TimeUnit.SECONDS);
        }
    }

    @Test
    void aClientOfTheSameCaIsServed() throws Exception {
        IssuedCertificate client = ca.issueClient("ops", Duration.ofDays(1));

        assertThat(check(client, ca.certificateFile())).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    @Test
    void aRegionLinkCertificateWorksAsAClientToo() throws Exception {
        IssuedCertificate region = ca.issueRegion("osaka", Duration.ofDays(1));

        assertThat(check(region, ca.certificateFile())).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    @Test
    void anotherNodesChannelsAsNodeAndAsRegionAreServed() throws Exception {
        NodeTls n2 = nodeTls(ca, "n2", "optional");

        assertThat(check(n2.asNode())).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(check(n2.asRegion())).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    @Test
    void aNodeOfAnotherCaIsTurnedAwayAndRefusesTheNode() throws Exception {
        NodeTls stranger = nodeTls(otherCa, "n9", "optional");

        assertThatThrownBy(() -> check(stranger.asNode()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }

    @Test
    void aClientOfAnotherCaIsTurnedAway() throws Exception {
        IssuedCertificate intruder = otherCa.issueClient("ops", Duration.ofDays(1));

        assertThatThrownBy(() -> check(intruder, ca.certificateFile()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }

    @Test
    void aClientThatTrustsAnotherCaRefusesTheNode() throws Exception {
        IssuedCertificate client = ca.issueClient("wary", Duration.ofDays(1));

        assertThatThrownBy(() -> check(client, otherCa.certificateFile()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
}
