package dev.kinko.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.kinko.proto.replication.v1.ApplyReplicationBatchRequest;
import dev.kinko.proto.replication.v1.GetRegionInfoRequest;
import dev.kinko.proto.replication.v1.ReplicatedChange;
import dev.kinko.proto.replication.v1.ReplicationServiceGrpc;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.v1.AccessServiceGrpc;
import dev.kinko.proto.v1.PutPolicyRequest;
import dev.kinko.proto.v1.WhoAmIRequest;
import dev.kinko.server.KinkoNode;
import dev.kinko.server.config.NodeConfig;
import dev.kinko.server.crypto.pki.CertificateAuthority;
import dev.kinko.server.crypto.pki.IssuedCertificate;
import dev.kinko.server.rpc.Statuses;
import dev.kinko.server.testing.Grpcs;
import dev.kinko.server.testing.TestPki;
import dev.kinko.server.testing.TestRegion;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on every port, with identities bound to certificates: another CA is refused on the
 * client, Raft and region-link ports; an osaka node cannot speak Raft to tokyo; a region
 * certificate can ship only as the region it names.
 */
class TransportSecurityTest {
    @TempDir
    static Path dir;
    static TestRegion osaka;
    static CertificateAuthority otherCa;
    static final List<ManagedChannel> opened = new ArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        osaka = TestRegion.start("osaka", dir);
        otherCa = CertificateAuthority.init(dir.resolve("other-pki"));
    }

    @AfterAll
    static void stop() {
        opened.forEach(ManagedChannel::shutdownNow);
        osaka.close();
    }

    static ManagedChannel channel(String address, Path trust, IssuedCertificate presented) throws IOException {
        TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder().trustManager(trust.toFile());
        if (presented != null) {
            b.keyManager(presented.certificate().toFile(), presented.privateKey().toFile());
        }
        ChannelCredentials creds = b.build();
        ManagedChannel ch = Grpc.newChannelBuilder(address, creds).build();
        opened.add(ch);
        return ch;
    }

    static String clientAddress() {
        return osaka.config(0).peers().get(0).clientAddress();
    }

    static String raftAddress() {
        return osaka.config(0).peers().get(0).raftAddress();
    }

    @Test
    void theClientPortRefusesAnotherCaAndTakesAClientCertificateAsAnIdentity() throws IOException {
        IssuedCertificate foreign = otherCa.issueClient("mallory", Duration.ofDays(1));
        ManagedChannel withForeignCert = channel(clientAddress(), TestPki.caFile(), foreign);
        assertThatThrownBy(() -> AccessServiceGrpc.newBlockingStub(withForeignCert).withDeadlineAfter(10, TimeUnit.SECONDS)
                .whoAmI(WhoAmIRequest.getDefaultInstance()))
                .isInstanceOf(StatusRuntimeException.class)
                .extracting(e -> ((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        // a client trusting another CA does not accept the node's certificate either
        ManagedChannel trustingOther = channel(clientAddress(), otherCa.certificateFile(), null);
        assertThatThrownBy(() -> AccessServiceGrpc.newBlockingStub(trustingOther).withDeadlineAfter(10, TimeUnit.SECONDS)
                .whoAmI(WhoAmIRequest.getDefaultInstance()))
                .extracting(e -> ((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);

        IssuedCertificate alice = TestPki.client("alice");
        ManagedChannel asAlice = channel(clientAddress(), TestPki.caFile(), alice);
        assertThat(AccessServiceGrpc.newBlockingStub(asAlice).whoAmI(WhoAmIRequest.getDefaultInstance()).getPrincipal())
                .isEqualTo("client:alice");
        // a certificate identity has no rights of its own ...
        osaka.secrets(0).createSecret(dev.kinko.proto.v1.CreateSecretRequest.newBuilder().setName("certs/db")
                .setSecretString("for-alice").build());
        dev.kinko.proto.v1.SecretsServiceGrpc.SecretsServiceBlockingStub secrets = dev.kinko.proto.v1.SecretsServiceGrpc
                .newBlockingStub(asAlice).withDeadlineAfter(10, TimeUnit.SECONDS);
        dev.kinko.proto.v1.GetSecretValueRequest get = dev.kinko.proto.v1.GetSecretValueRequest.newBuilder()
                .setSecretId("certs/db").build();
        assertThatThrownBy(() -> secrets.getSecretValue(get)).satisfies(e ->
                assertThat(Statuses.reasonOf(e)).isEqualTo("ACCESS_DENIED"));
        // ... until a policy names it
        osaka.access(0).putPolicy(PutPolicyRequest.newBuilder().setName("alice-reads").addClients("alice").setDocument("""
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                  "Resource": "certs/*"}]}
                """).build());
        org.awaitility.Awaitility.await().atMost(TestRegion.SETTLE).ignoreExceptions().until(() ->
                secrets.getSecretValue(get).getSecretString().equals("for-alice"));
        assertThat(AccessServiceGrpc.newBlockingStub(asAlice).whoAmI(WhoAmIRequest.getDefaultInstance())
                .getPoliciesList()).containsExactly("alice-reads");
    }

    /** A Raft RPC sent by hand: the peer check runs before Ratis reads a byte of it. */
    static Status.Code requestVote(ManagedChannel ch) {
        MethodDescriptor<byte[], byte[]> vote = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName("ratis.grpc.RaftServerProtocolService/requestVote")
                .setRequestMarshaller(Grpcs.BYTES).setResponseMarshaller(Grpcs.BYTES).build();
        try {
            ClientCalls.blockingUnaryCall(ch, vote, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), new byte[0]);
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }


    @Test
    void theRaftPortTakesOnlyNodesOfItsOwnRegion() throws IOException {
        NodeConfig.Tls tokyoNode = TestPki.nodeTls("tokyo", "tokyo-9", "optional");
        IssuedCertificate tokyoCert = new IssuedCertificate(tokyoNode.certFile(), tokyoNode.keyFile(), null);
        assertThat(requestVote(channel(raftAddress(), TestPki.caFile(), tokyoCert)))
                .as("a tokyo node certificate, issued by the same CA").isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(requestVote(channel(raftAddress(), TestPki.caFile(), TestPki.client("bob"))))
                .as("a client certificate").isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(requestVote(channel(raftAddress(), TestPki.caFile(), otherCa.issueNode("osaka", "osaka-2",
                List.of(), Duration.ofDays(1))))).as("an osaka node certificate from another CA")
                .isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(requestVote(channel(raftAddress(), TestPki.caFile(), null))).as("no certificate")
                .isEqualTo(Status.Code.UNAVAILABLE);
        NodeConfig.Tls stranger = TestPki.nodeTls("osaka", "osaka-9", "optional");
        assertThat(requestVote(channel(raftAddress(), TestPki.caFile(),
                new IssuedCertificate(stranger.certFile(), stranger.keyFile(), null))))
                .as("an osaka node certificate of a node that is not a member (removed, or never added)")
                .isEqualTo(Status.Code.PERMISSION_DENIED);
        NodeConfig.Tls member = osaka.config(1).tls();
        assertThat(requestVote(channel(raftAddress(), TestPki.caFile(),
                new IssuedCertificate(member.certFile(), member.keyFile(), null))))
                .as("a node of osaka gets past the check to Ratis itself")
                .isNotIn(Status.Code.PERMISSION_DENIED, Status.Code.UNAVAILABLE);
    }

    @Test
    void aNodeWhoseCertificateNamesAnotherNodeOrRegionDoesNotStart() throws IOException {
        NodeConfig c = osaka.config(0);
        NodeConfig.Tls tokyoNode = TestPki.nodeTls("tokyo", "tokyo-8", "optional");
        NodeConfig impostor = new NodeConfig(c.nodeId(), c.region(), dir.resolve("impostor"), c.keyFile(), c.listenHost(),
                c.clientPort(), c.peers(), c.raft(), c.purgeIntervalSeconds(), c.links(), c.maxJournalLag(), null,
                new NodeConfig.Tls(c.tls().caFile(), tokyoNode.certFile(), tokyoNode.keyFile(), c.tls().regionCertFile(),
                        c.tls().regionKeyFile(), "optional"), dir.resolve("impostor-root"), null, null, null, null);
        assertThatThrownBy(() -> KinkoNode.start(impostor)).isInstanceOf(IOException.class)
                .hasMessageContaining("does not name node " + c.nodeId() + " of region osaka");
    }

    @Test
    void aRegionCertificateShipsOnlyAsItsOwnRegion() throws IOException {
        long appliedBefore = osaka.node(osaka.awaitLeader()).raft().view().appliedIndex();
        int secretsBefore = osaka.node(0).raft().stateMachine().storage().secretsByName("", "", 1_000).size();
        IssuedCertificate nagoya = TestPki.region("nagoya");
        ManagedChannel asNagoya = channel(clientAddress(), TestPki.caFile(), nagoya);
        ReplicationServiceGrpc.ReplicationServiceBlockingStub stub = ReplicationServiceGrpc.newBlockingStub(asNagoya)
                .withDeadlineAfter(10, TimeUnit.SECONDS);
        // nagoya may replicate: it reaches the service...
        assertThat(stub.getRegionInfo(GetRegionInfoRequest.getDefaultInstance()).getRegion()).isEqualTo("osaka");
        // ...but only as nagoya
        ApplyReplicationBatchRequest asTokyo = ApplyReplicationBatchRequest.newBuilder().setSourceRegion("tokyo")
                .setEpoch(0).setLastSeq(1).setFirstSeq(1).addChanges(ReplicatedChange.newBuilder().setSeq(1)
                        .setSecretId("forged").setSecret(SecretRecord.newBuilder().setId("forged").setName("forged")
                                .setPrimaryRegion("tokyo"))).setEphemeralPublicKey(ByteString.copyFrom(new byte[32]))
                .build();
        assertThatThrownBy(() -> stub.applyReplicationBatch(asTokyo)).satisfies(e -> {
            assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(Statuses.reasonOf(e)).isEqualTo("SOURCE_REGION_MISMATCH");
        });
        // a token, even root, is not a region: shipping needs a region certificate
        ReplicationServiceGrpc.ReplicationServiceBlockingStub root = ReplicationServiceGrpc.newBlockingStub(
                osaka.channel(0)).withDeadlineAfter(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> root.applyReplicationBatch(asTokyo)).satisfies(e ->
                assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        // and a region certificate from another CA does not get a connection
        IssuedCertificate foreignTokyo = otherCa.issueRegion("tokyo", Duration.ofDays(1));
        ManagedChannel asForeign = channel(clientAddress(), TestPki.caFile(), foreignTokyo);
        assertThatThrownBy(() -> ReplicationServiceGrpc.newBlockingStub(asForeign).withDeadlineAfter(10, TimeUnit.SECONDS)
                .applyReplicationBatch(asTokyo)).satisfies(e ->
                assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));

        assertThat(osaka.node(0).raft().stateMachine().storage().secretsByName("", "", 1_000)).hasSize(secretsBefore);
        assertThat(osaka.node(0).raft().stateMachine().storage().source("tokyo")).isEmpty();
        // only the nodes' own audit chain heads were appended meanwhile
        assertThat(osaka.node(osaka.awaitLeader()).raft().stateMachine().storage().secretById("forged")).isEmpty();
        assertThat(appliedBefore).isPositive();
    }

    @Test
    void aRegionCertificateMayDoNothingButReplicate() throws IOException {
        IssuedCertificate tokyo = TestPki.region("kobe");
        ManagedChannel asRegion = channel(clientAddress(), TestPki.caFile(), tokyo);
        assertThatThrownBy(() -> AccessServiceGrpc.newBlockingStub(asRegion).withDeadlineAfter(10, TimeUnit.SECONDS)
                .putPolicy(PutPolicyRequest.newBuilder().setName("x").setDocument("{}").build()))
                .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode())
                        .isEqualTo(Status.Code.PERMISSION_DENIED));
    }
}
