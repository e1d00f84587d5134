package dev.kinko.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.CreateTokenRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.ListSecretsRequest;
import dev.kinko.proto.v1.PutPolicyRequest;
import dev.kinko.proto.v1.ReadConsistency;
import dev.kinko.proto.v1.RevokeTokenRequest;
import dev.kinko.proto.v1.SecretsServiceGrpc;
import dev.kinko.server.crypto.AccessTokens;
import dev.kinko.server.rpc.Statuses;
import dev.kinko.server.storage.FileTrees;
import dev.kinko.server.testing.TestRegion;
import io.grpc.ClientInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node that starts serves nothing but health until it has caught up with its region (one read
 * barrier): what it holds may be older than what it served before it stopped, and a token revoked
 * meanwhile must not pass on it.
 */
class CatchUpGateTest {
    @TempDir
    Path dir;

    @Test
    void aNodeStartedWithoutALeaderRefusesEveryCallUntilItCatchesUp() throws Exception {
        try (TestRegion region = TestRegion.start("tokyo", dir)) {
            region.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("gate/s")
                    .setSecretString("v").build()));
            for (int i = 0; i < 3; i++) {
                region.stopNode(i);
            }
            region.startNode(0); // alone: its region has no leader, so it cannot catch up
            assertThat(region.node(0).raft().isCaughtUp()).isFalse();

            GetSecretValueRequest local = GetSecretValueRequest.newBuilder().setSecretId("gate/s")
                    .setConsistency(ReadConsistency.READ_CONSISTENCY_LOCAL).build();
            assertThatThrownBy(() -> region.secrets(0).getSecretValue(local))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                        assertThat(Statuses.reasonOf(e)).isEqualTo("NOT_READY");
                        assertThat(e.getStatus().getDescription()).contains("has not caught up with its region");
                    });
            assertThat(health(region, 0)).isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);
            assertThat(region.auditLines(0)).anyMatch(l -> l.contains("secretsmanager:GetSecretValue") && l.contains("NOT_READY"));

            region.startNode(1); // a majority: a leader, and node 0 catches up
            await().atMost(TestRegion.SETTLE).until(() -> region.node(0).raft().isCaughtUp());
            assertThat(region.secrets(0).getSecretValue(local).getSecretString()).isEqualTo("v");
            await().atMost(TestRegion.SETTLE).until(() -> health(region, 0) == HealthCheckResponse.ServingStatus.SERVING);
            region.startNode(2);
        }
    }

    /**
     * The case the gate is for: a node comes back with a database older than what it served (a
     * crash takes RocksDB back to its last flush; here a copy of its database from before a
     * revocation) while its region has no leader. It must not accept the revoked token.
     */
    @Test
    void aNodeBackWithOlderStateDoesNotAcceptATokenRevokedBeforeIt() throws Exception {
        try (TestRegion region = TestRegion.start("tokyo", dir.resolve("older"))) {
            region.access(0).putPolicy(PutPolicyRequest.newBuilder().setName("everything").setDocument("""
                    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
                    """).build());
            String token = region.access(0).createToken(CreateTokenRequest.newBuilder().addPolicies("everything")
                    .setTtlSeconds(3600).build()).getToken();
            int victim = 2;
            awaitApplied(region, victim);
            assertThat(reasonOfCall(() -> listSecretsAs(region, victim, token))).isEqualTo("served");
            region.stopNode(victim);
            Path older = dir.resolve("older-db");
            copyTree(region.dataDir(victim).resolve("db"), older);
            region.startNode(victim);
            region.awaitCaughtUp();

            region.access(0).revokeToken(RevokeTokenRequest.newBuilder()
                    .setAccessor(AccessTokens.accessorOf(token).orElseThrow()).build());
            awaitApplied(region, victim);
            assertThat(reasonOfCall(() -> listSecretsAs(region, victim, token))).isEqualTo("UNAUTHENTICATED");

            for (int i = 0; i < 3; i++) {
                region.stopNode(i);
            }
            FileTrees.delete(region.dataDir(victim).resolve("db"));
            copyTree(older, region.dataDir(victim).resolve("db"));
            region.startNode(victim); // alone, holding the token's grant and not its revocation
            assertThat(reasonOfCall(() -> listSecretsAs(region, victim, token))).isEqualTo("NOT_READY");

            region.startNode(0);
            region.startNode(1);
            await().atMost(TestRegion.SETTLE).until(() -> region.node(victim).raft().isCaughtUp());
            assertThat(reasonOfCall(() -> listSecretsAs(region, victim, token))).isEqualTo("UNAUTHENTICATED");
        }
    }

    private static void awaitApplied(TestRegion region, int node) {
        long committed = region.node(region.awaitLeader()).raft().view().commitIndex();
        await().atMost(TestRegion.SETTLE).until(() -> region.node(node).raft().view().appliedIndex() >= committed);
    }

    /** A LOCAL read: the node answers from what it holds, without asking the leader. */
    private static void listSecretsAs(TestRegion region, int i, String token) {
        SecretsServiceGrpc.newBlockingStub(ClientInterceptors.intercept(region.bareChannel(i), TestRegion.bearer(token)))
                .withDeadlineAfter(10, TimeUnit.SECONDS).listSecrets(ListSecretsRequest.newBuilder()
                        .setConsistency(ReadConsistency.READ_CONSISTENCY_LOCAL).build());
    }

    /** "served", or the reason code the call was refused with. */
    private static String reasonOfCall(Runnable call) {
        try {
            call.run();
            return "served";
        } catch (StatusRuntimeException e) {
            return Statuses.reasonOf(e);
        }
    }

    private static void copyTree(Path from, Path to) throws java.io.IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else if (!f.getFileName().toString().equals("LOCK")) {
                    Files.copy(f, target);
                }
            }
        }
    }

    private static HealthCheckResponse.ServingStatus health(TestRegion region, int i) {
        return HealthGrpc.newBlockingStub(region.channel(i)).withDeadlineAfter(5, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    }
}
