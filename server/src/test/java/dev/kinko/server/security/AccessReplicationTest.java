package dev.kinko.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.AccessServiceGrpc;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.CreateTokenRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.PromoteRegionRequest;
import dev.kinko.proto.v1.PutPolicyRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.RevokeTokenRequest;
import dev.kinko.proto.v1.SecretsServiceGrpc;
import dev.kinko.server.crypto.AccessTokens;
import dev.kinko.server.rpc.Statuses;
import dev.kinko.server.testing.TestRegion;
import io.grpc.ClientInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Policies and token hashes travel with the region link: a service's token made in tokyo reads
 * in osaka, is read-only there, stops working there when tokyo revokes it, and after osaka is
 * promoted writes there, with the policies it had.
 */
class AccessReplicationTest {
    @TempDir
    Path dir;

    static final String APP_POLICY = """
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
              "Action": ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"], "Resource": "app/*"}]}
            """;

    static SecretsServiceGrpc.SecretsServiceBlockingStub as(TestRegion region, int node, String token) {
        return SecretsServiceGrpc.newBlockingStub(ClientInterceptors.intercept(region.bareChannel(node),
                TestRegion.bearer(token))).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    static String read(TestRegion region, String token, String name) {
        return as(region, 0, token).getSecretValue(GetSecretValueRequest.newBuilder().setSecretId(name).build())
                .getSecretString();
    }

    @Test
    void aTokenMadeInTokyoReadsInOsakaAndWritesThereAfterPromotion() {
        try (TestRegion osaka = TestRegion.start("osaka", dir);
             TestRegion tokyo = TestRegion.builder("tokyo", dir).link(osaka).start()) {
            tokyo.access(0).putPolicy(PutPolicyRequest.newBuilder().setName("app").setDocument(APP_POLICY).build());
            String service = tokyo.access(1).createToken(CreateTokenRequest.newBuilder().addPolicies("app")
                    .setName("orders").build()).getToken();
            String leaver = tokyo.access(2).createToken(CreateTokenRequest.newBuilder().addPolicies("app").build()).getToken();
            tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("app/db").setSecretString("v1")
                    .addAddReplicaRegions("osaka").build()));
            tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("other/db").setSecretString("o")
                    .addAddReplicaRegions("osaka").build()));

            await().atMost(TestRegion.SETTLE).ignoreExceptions().until(() -> read(osaka, service, "app/db").equals("v1"));
            assertThat(read(osaka, leaver, "app/db")).isEqualTo("v1");
            // the policy came along: what it does not allow stays refused in osaka too
            assertThatThrownBy(() -> read(osaka, service, "other/db")).satisfies(e ->
                    assertThat(Statuses.reasonOf(e)).isEqualTo("ACCESS_DENIED"));
            // replicated policies and tokens are read-only in the replica region
            assertThatThrownBy(() -> osaka.access(0).putPolicy(PutPolicyRequest.newBuilder().setName("app")
                    .setDocument(APP_POLICY).build())).satisfies(e ->
                    assertThat(Statuses.reasonOf(e)).isEqualTo("REPLICA_READ_ONLY"));
            String leaverAccessor = AccessTokens.accessorOf(leaver).orElseThrow();
            assertThatThrownBy(() -> osaka.access(0).revokeToken(RevokeTokenRequest.newBuilder()
                    .setAccessor(leaverAccessor).build())).satisfies(e ->
                    assertThat(Statuses.reasonOf(e)).isEqualTo("REPLICA_READ_ONLY"));

            // revoked in tokyo: refused in osaka too, once shipped
            tokyo.access(0).revokeToken(RevokeTokenRequest.newBuilder().setAccessor(leaverAccessor).build());
            await().atMost(TestRegion.SETTLE).until(() -> unauthenticated(() -> read(osaka, leaver, "app/db")));

            // tokyo is lost; osaka is promoted and the service writes there with the token it has
            for (int i = 0; i < 3; i++) {
                tokyo.stopNode(i);
            }
            osaka.admin(0).promoteRegion(PromoteRegionRequest.getDefaultInstance());
            as(osaka, 1, service).putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("app/db")
                    .setSecretString("v2-written-in-osaka").build());
            assertThat(read(osaka, service, "app/db")).isEqualTo("v2-written-in-osaka");
            // and the promoted region owns its policies and tokens now
            osaka.access(0).putPolicy(PutPolicyRequest.newBuilder().setName("app").setDocument(APP_POLICY).build());
            assertThat(AccessServiceGrpc.newBlockingStub(ClientInterceptors.intercept(osaka.bareChannel(2),
                    TestRegion.bearer(service))).whoAmI(dev.kinko.proto.v1.WhoAmIRequest.getDefaultInstance())
                    .getPoliciesList()).containsExactly("app");
        }
    }

    static boolean unauthenticated(Runnable call) {
        try {
            call.run();
            return false;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode() == Status.Code.UNAUTHENTICATED;
        }
    }
}
