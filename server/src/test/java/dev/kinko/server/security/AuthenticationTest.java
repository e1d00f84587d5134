package dev.kinko.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kinko.proto.replication.v1.GetRegionInfoRequest;
import dev.kinko.proto.replication.v1.ReplicationServiceGrpc;
import dev.kinko.proto.v1.AccessServiceGrpc;
import dev.kinko.proto.v1.AdminServiceGrpc;
import dev.kinko.proto.v1.CreateTokenRequest;
import dev.kinko.proto.v1.GetClusterStatusRequest;
import dev.kinko.proto.v1.ListPoliciesRequest;
import dev.kinko.proto.v1.ListSecretsRequest;
import dev.kinko.proto.v1.ListTokensRequest;
import dev.kinko.proto.v1.PutPolicyRequest;
import dev.kinko.proto.v1.RevokeTokenRequest;
import dev.kinko.proto.v1.SecretsServiceGrpc;
import dev.kinko.proto.v1.TokenInfo;
import dev.kinko.proto.v1.WhoAmIRequest;
import dev.kinko.server.crypto.AccessTokens;
import dev.kinko.server.rpc.Statuses;
import dev.kinko.server.testing.MutableClock;
import dev.kinko.server.testing.TestRegion;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * UNAUTHENTICATED on every service but health, for every way a credential can be wrong: none,
 * not a token, a well-formed token nobody issued, an expired one and a revoked one. Tokens are
 * never stored: only their hashes are, and listing shows accessors.
 */
class AuthenticationTest {
    @TempDir
    static Path dir;
    static TestRegion tokyo;
    static final MutableClock clock = new MutableClock();

    @BeforeAll
    static void start() {
        tokyo = TestRegion.builder("tokyo", dir).clock(clock).start();
        tokyo.access(0).putPolicy(PutPolicyRequest.newBuilder().setName("everything").setDocument("""
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
                """).build());
    }

    @AfterAll
    static void stop() {
        tokyo.close();
    }

    /** One call on each service, made with whatever credentials the channel carries. */
    static Map<String, Consumer<Channel>> oneCallPerService() {
        Map<String, Consumer<Channel>> calls = new LinkedHashMap<>();
        calls.put("SecretsService", ch -> SecretsServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                .listSecrets(ListSecretsRequest.getDefaultInstance()));
        calls.put("AdminService", ch -> AdminServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                .getClusterStatus(GetClusterStatusRequest.getDefaultInstance()));
        calls.put("AccessService", ch -> AccessServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                .whoAmI(WhoAmIRequest.getDefaultInstance()));
        calls.put("ReplicationService", ch -> ReplicationServiceGrpc.newBlockingStub(ch)
                .withDeadlineAfter(10, TimeUnit.SECONDS).getRegionInfo(GetRegionInfoRequest.getDefaultInstance()));
        calls.put("ServerReflection", AuthenticationTest::reflect);
        return calls;
    }

    static void reflect(Channel ch) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(ch)
                .withDeadlineAfter(10, TimeUnit.SECONDS).serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse value) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(null);
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        requests.onCompleted();
        try {
            done.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw (StatusRuntimeException) e.getCause();
        }
    }

    static Channel as(String token) {
        Channel bare = tokyo.bareChannel(1);
        return token == null ? bare : ClientInterceptors.intercept(bare, TestRegion.bearer(token));
    }

    static String token(Duration ttl) {
        return tokyo.access(0).createToken(CreateTokenRequest.newBuilder().addPolicies("everything")
                .setTtlSeconds(ttl.toSeconds()).build()).getToken();
    }

    @Test
    void everyServiceButHealthRefusesEveryWrongCredential() {
        String expired = token(Duration.ofMinutes(1));
        String revoked = token(Duration.ofHours(1));
        String good = token(Duration.ofHours(1));
        tokyo.access(0).revokeToken(RevokeTokenRequest.newBuilder()
                .setAccessor(AccessTokens.accessorOf(revoked).orElseThrow()).build());
        clock.advance(Duration.ofMinutes(2));

        Map<String, String> wrong = new LinkedHashMap<>();
        wrong.put("no token", null);
        wrong.put("not a token", "hunter2");
        wrong.put("a token nobody issued", AccessTokens.issue().token());
        wrong.put("a real accessor with another secret", "kinko." + AccessTokens.accessorOf(good).orElseThrow()
                + "." + "A".repeat(43));
        wrong.put("an expired token", expired);
        wrong.put("a revoked token", revoked);
        List<String> failures = new ArrayList<>();
        oneCallPerService().forEach((service, call) -> {
            wrong.forEach((what, token) -> {
                try {
                    call.accept(as(token));
                    failures.add(service + " with " + what + ": served");
                } catch (StatusRuntimeException e) {
                    if (e.getStatus().getCode() != Status.Code.UNAUTHENTICATED
                            || !Statuses.reasonOf(e).equals("UNAUTHENTICATED")) {
                        failures.add(service + " with " + what + ": " + e.getStatus());
                    }
                    if (token != null && e.getMessage().contains(token)) {
                        failures.add(service + " with " + what + ": the error repeats the token");
                    }
                }
            });
        });
        assertThat(failures).isEmpty();
        // health stays open: load balancers probe it without credentials
        assertThat(HealthGrpc.newBlockingStub(as(null)).check(HealthCheckRequest.getDefaultInstance()).getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        // and the good token gets through everywhere its policy allows
        assertThat(AccessServiceGrpc.newBlockingStub(as(good)).whoAmI(WhoAmIRequest.getDefaultInstance()).getPrincipal())
                .isEqualTo("token:" + AccessTokens.accessorOf(good).orElseThrow());
        SecretsServiceGrpc.newBlockingStub(as(good)).listSecrets(ListSecretsRequest.getDefaultInstance());
    }

    @Test
    void onlyANodeOfTheRegionMayForwardACallersIdentity() {
        io.grpc.Metadata claim = new io.grpc.Metadata();
        claim.put(dev.kinko.server.api.security.Authenticator.FORWARDED_PRINCIPAL, "root");
        String good = token(Duration.ofHours(1));
        // a token holder claiming to forward root: refused, not promoted
        Channel asTokenClaimingRoot = ClientInterceptors.intercept(as(good),
                io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(claim));
        assertThatThrownBy(() -> AccessServiceGrpc.newBlockingStub(asTokenClaimingRoot)
                .whoAmI(WhoAmIRequest.getDefaultInstance())).satisfies(e -> {
                    assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(e.getMessage()).contains("only a node of region tokyo may forward a caller");
                });
        // a node certificate of this region for a node that is not a member, and a client certificate: refused too
        dev.kinko.server.config.NodeConfig.Tls stranger = dev.kinko.server.testing.TestPki.nodeTls("tokyo", "tokyo-99",
                "optional");
        assertForwardingRefused(stranger.certFile(), stranger.keyFile(), claim);
        dev.kinko.server.crypto.pki.IssuedCertificate mallory = dev.kinko.server.testing.TestPki.client("mallory");
        assertForwardingRefused(mallory.certificate(), mallory.privateKey(), claim);
    }

    /** A caller presenting this certificate and a forwarded identity is refused as unauthenticated. */
    static void assertForwardingRefused(Path cert, Path key, io.grpc.Metadata claim) {
        io.grpc.ManagedChannel ch;
        try {
            ch = io.grpc.Grpc.newChannelBuilder(tokyo.config(0).peers().get(0).clientAddress(),
                    io.grpc.TlsChannelCredentials.newBuilder().trustManager(tokyo.caFile().toFile())
                            .keyManager(cert.toFile(), key.toFile()).build()).build();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try {
            assertThatThrownBy(() -> AccessServiceGrpc.newBlockingStub(ClientInterceptors.intercept(ch,
                    io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(claim)))
                    .whoAmI(WhoAmIRequest.getDefaultInstance())).satisfies(e -> assertThat(
                    ((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        } finally {
            ch.shutdownNow();
        }
    }

    @Test
    void dataDirectoriesAreOwnerOnlyAndAuditFilesTooAfterStart() throws java.io.IOException {
        for (int i = 0; i < tokyo.size(); i++) {
            AccessServiceGrpc.newBlockingStub(tokyo.channel(i)).whoAmI(WhoAmIRequest.getDefaultInstance()); // a line
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                    java.nio.file.Files.getPosixFilePermissions(tokyo.dataDir(i)))).isEqualTo("rwx------");
            try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(
                    tokyo.config(i).effectiveAuditDir())) {
                assertThat(files.toList()).isNotEmpty().allSatisfy(f -> assertThat(java.nio.file.attribute
                        .PosixFilePermissions.toString(java.nio.file.Files.getPosixFilePermissions(f)))
                        .isEqualTo("rw-------"));
            }
        }
    }

    @Test
    void aTokenIsShownOnceAndStoredOnlyAsAHash() {
        String token = token(Duration.ofHours(1));
        String accessor = AccessTokens.accessorOf(token).orElseThrow();
        List<TokenInfo> listed = tokyo.access(0).listTokens(ListTokensRequest.getDefaultInstance()).getTokensList();
        assertThat(listed).extracting(TokenInfo::getAccessor).contains(accessor);
        assertThat(listed.toString()).doesNotContain(token.substring(token.lastIndexOf('.') + 1));
        for (int i = 0; i < tokyo.size(); i++) {
            int n = i; // a follower applies the token a moment after the leader answered
            org.awaitility.Awaitility.await().atMost(TestRegion.SETTLE).untilAsserted(() ->
                    assertThat(tokyo.node(n).raft().stateMachine().storage().token(accessor)).get()
                            .satisfies(t -> assertThat(t.getHash().toByteArray()).isEqualTo(AccessTokens.hash(token))));
        }
    }

    @Test
    void aNewTokenWorksAtOnceOnEveryNode() {
        for (int i = 0; i < 5; i++) {
            String token = token(Duration.ofHours(1));
            for (int n = 0; n < tokyo.size(); n++) {
                Channel ch = ClientInterceptors.intercept(tokyo.bareChannel(n), TestRegion.bearer(token));
                assertThat(AccessServiceGrpc.newBlockingStub(ch).whoAmI(WhoAmIRequest.getDefaultInstance())
                        .getPolicies(0)).isEqualTo("everything");
            }
        }
    }

    @Test
    void tokenLimitsAreCheckedAtTheEdgeAndOnePast() {
        AccessServiceGrpc.AccessServiceBlockingStub a = tokyo.access(0);
        CreateTokenRequest.Builder b = CreateTokenRequest.newBuilder().addPolicies("everything");
        assertThat(a.createToken(b.setTtlSeconds(dev.kinko.server.domain.Limits.MIN_TOKEN_TTL.toSeconds()).build())
                .getToken()).isNotEmpty();
        assertThat(a.createToken(b.setTtlSeconds(dev.kinko.server.domain.Limits.MAX_TOKEN_TTL.toSeconds()).build())
                .getToken()).isNotEmpty();
        for (long ttl : new long[] {dev.kinko.server.domain.Limits.MIN_TOKEN_TTL.toSeconds() - 1,
                dev.kinko.server.domain.Limits.MAX_TOKEN_TTL.toSeconds() + 1, -1}) {
            assertThatThrownBy(() -> a.createToken(b.setTtlSeconds(ttl).build()))
                    .satisfies(e -> assertThat(Statuses.reasonOf(e)).isEqualTo("INVALID_TTL"));
        }
        String name = "n".repeat(dev.kinko.server.domain.Limits.MAX_TOKEN_NAME_LENGTH);
        assertThat(a.createToken(b.setTtlSeconds(0).setName(name).build()).getInfo().getName()).isEqualTo(name);
        assertThatThrownBy(() -> a.createToken(b.setName(name + "n").build()))
                .satisfies(e -> assertThat(Statuses.reasonOf(e)).isEqualTo("INVALID_NAME"));
        assertThatThrownBy(() -> a.createToken(CreateTokenRequest.newBuilder().addPolicies("no-such-policy").build()))
                .satisfies(e -> assertThat(Statuses.reasonOf(e)).isEqualTo("POLICY_NOT_FOUND"));
        assertThat(a.listPolicies(ListPoliciesRequest.getDefaultInstance()).getPoliciesList()).isNotEmpty();
    }
}
