package dev.kinko.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kinko.proto.v1.AccessServiceGrpc;
import dev.kinko.proto.v1.WhoAmIRequest;
import dev.kinko.server.crypto.pki.IssuedCertificate;
import dev.kinko.server.testing.TestPki;
import dev.kinko.server.testing.TestRegion;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The root token a region makes on its first start, and tls.client_auth: require. */
class RootTokenAndClientAuthTest {
    @TempDir
    Path dir;

    @Test
    void theFirstLeaderWritesOneRootTokenOwnerOnlyAndARestartKeepsIt() throws Exception {
        try (TestRegion tokyo = TestRegion.builder("tokyo", dir).ownRootToken().start()) {
            Path file = tokyo.config(0).rootTokenFile();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            String token = Files.readString(file).strip();
            assertThat(token).startsWith("kinko.");
            assertThat(AccessServiceGrpc.newBlockingStub(ClientInterceptors.intercept(tokyo.bareChannel(1),
                    TestRegion.bearer(token))).whoAmI(WhoAmIRequest.getDefaultInstance()).getPrincipal()).isEqualTo("root");
            // exactly one root token in the state, whichever node led first
            assertThat(tokyo.node(0).raft().stateMachine().storage().tokens()).filteredOn(t -> t.getRoot()).hasSize(1);
            for (int i = 0; i < 3; i++) {
                tokyo.stopNode(i);
            }
            for (int i = 0; i < 3; i++) {
                tokyo.startNode(i);
            }
            tokyo.awaitLeader();
            assertThat(Files.readString(file).strip()).as("never written again").isEqualTo(token);
            assertThat(tokyo.node(0).raft().stateMachine().storage().tokens()).filteredOn(t -> t.getRoot()).hasSize(1);
        }
    }

    @Test
    void withClientAuthRequireOnlyCallersWithACertificateConnect() throws Exception {
        try (TestRegion tokyo = TestRegion.builder("tokyo", dir).size(1).clientAuth("require").start()) {
            assertThatThrownBy(() -> AccessServiceGrpc.newBlockingStub(tokyo.channel(0)).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .whoAmI(WhoAmIRequest.getDefaultInstance())).satisfies(e ->
                    assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
            IssuedCertificate ops = TestPki.client("ops");
            ManagedChannel withCert = Grpc.newChannelBuilder(tokyo.config(0).peers().get(0).clientAddress(),
                    TlsChannelCredentials.newBuilder().trustManager(tokyo.caFile().toFile())
                            .keyManager(ops.certificate().toFile(), ops.privateKey().toFile()).build()).build();
            try {
                // the certificate gets the connection; the token still says who is calling
                assertThat(AccessServiceGrpc.newBlockingStub(ClientInterceptors.intercept(withCert,
                        TestRegion.bearer(tokyo.rootToken()))).whoAmI(WhoAmIRequest.getDefaultInstance()).getPrincipal())
                        .isEqualTo("root");
                assertThat(AccessServiceGrpc.newBlockingStub(withCert).whoAmI(WhoAmIRequest.getDefaultInstance())
                        .getPrincipal()).isEqualTo("client:ops");
            } finally {
                withCert.shutdownNow();
            }
        }
    }
}
