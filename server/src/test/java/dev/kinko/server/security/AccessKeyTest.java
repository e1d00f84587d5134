package dev.kinko.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.CreateTokenRequest;
import dev.kinko.proto.v1.CreateTokenResponse;
import dev.kinko.proto.v1.ListTokensRequest;
import dev.kinko.proto.v1.PutPolicyRequest;
import dev.kinko.proto.v1.RevokeTokenRequest;
import dev.kinko.proto.v1.TokenInfo;
import dev.kinko.server.api.security.Authenticator;
import dev.kinko.server.api.security.Caller;
import dev.kinko.server.crypto.AccessTokens;
import dev.kinko.server.testing.MutableClock;
import dev.kinko.server.testing.TestRegion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Access keys (the AWS endpoint's credentials) as a region keeps them: made through AccessService
 * on any node, every node opens the same secret and sees the same caller, and revocation and
 * expiry end them as they end tokens.
 */
class AccessKeyTest {
    private static final String EVERYTHING = """
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
            """;

    @TempDir
    Path dir;

    @Test
    void everyNodeOpensTheSameKeyUntilItIsRevokedOrExpires() {
        MutableClock clock = new MutableClock();
        try (TestRegion tokyo = TestRegion.builder("tokyo", dir).clock(clock).start()) {
            tokyo.access(0).putPolicy(PutPolicyRequest.newBuilder().setName("app").setDocument(EVERYTHING).build());
            tokyo.access(0).putPolicy(PutPolicyRequest.newBuilder().setName("ops").setDocument(EVERYTHING).build());
            int follower = (tokyo.awaitLeader() + 1) % tokyo.size();
            // through a follower: the leader makes and seals the key
            CreateTokenResponse created = tokyo.access(follower).createToken(CreateTokenRequest.newBuilder()
                    .setAccessKey(true).addPolicies("app").addPolicies("ops").setName("aws-cli").build());
            String id = created.getAccessKeyId();
            String secret = created.getSecretAccessKey();
            assertThat(id).matches("KKIA[A-Z0-9]{16}").isEqualTo(created.getInfo().getAccessor());
            assertThat(AccessTokens.isAccessKeyId(id)).isTrue();
            assertThat(secret).matches("[A-Za-z0-9/+]{40}");
            assertThat(created.getToken()).as("no bearer token for an access key").isEmpty();
            assertThat(created.getInfo().getAccessKey()).isTrue();
            TokenInfo listed = tokyo.access(0).listTokens(ListTokensRequest.getDefaultInstance()).getTokensList().stream()
                    .filter(t -> t.getAccessor().equals(id)).findFirst().orElseThrow();
            assertThat(listed.getAccessKey()).isTrue();
            assertThat(listed.getName()).isEqualTo("aws-cli");

            for (int i = 0; i < tokyo.size(); i++) {
                Authenticator authenticator = tokyo.node(i).authenticator();
                try (Authenticator.AccessKey key = authenticator.accessKey(id, "10.0.0." + i).orElseThrow()) {
                    assertThat(new String(key.secret(), StandardCharsets.US_ASCII)).as("node %d", i).isEqualTo(secret);
                    Caller caller = key.caller();
                    assertThat(caller.kind()).isEqualTo(Caller.Kind.TOKEN);
                    assertThat(caller.accessor()).isEqualTo(id);
                    assertThat(caller.principal()).isEqualTo("token:" + id);
                    assertThat(caller.policies()).isEqualTo(Set.of("app", "ops"));
                    assertThat(caller.source()).isEqualTo("10.0.0." + i);
                    assertThat(key.toString()).doesNotContain(secret);
                    byte[] held = key.secret();
                    key.close();
                    assertThat(held).as("closing wipes the secret").containsOnly(0);
                }
            }

            // one answer for every id that names no live access key
            Authenticator any = tokyo.node(0).authenticator();
            assertThat(any.accessKey("KKIAZZZZZZZZZZZZZZZZ", "x")).isEmpty();
            assertThat(any.accessKey("AKIAIOSFODNN7EXAMPLE", "x")).isEmpty();
            assertThat(any.accessKey("", "x")).isEmpty();
            String token = tokyo.access(0).createToken(CreateTokenRequest.newBuilder().addPolicies("app").build()).getToken();
            assertThat(any.accessKey(AccessTokens.accessorOf(token).orElseThrow(), "x")).as("a bearer token's accessor")
                    .isEmpty();

            tokyo.access(follower).revokeToken(RevokeTokenRequest.newBuilder().setAccessor(id).build());
            for (int i = 0; i < tokyo.size(); i++) {
                Authenticator authenticator = tokyo.node(i).authenticator();
                await().atMost(TestRegion.SETTLE).until(() -> authenticator.accessKey(id, "x").isEmpty());
            }

            // an access key expires as a token does
            String shortLived = tokyo.access(0).createToken(CreateTokenRequest.newBuilder().setAccessKey(true)
                    .addPolicies("app").setTtlSeconds(Duration.ofMinutes(1).toSeconds()).build()).getAccessKeyId();
            Optional<Authenticator.AccessKey> before = any.accessKey(shortLived, "x");
            assertThat(before).isPresent();
            before.get().close();
            clock.advance(Duration.ofMinutes(2));
            assertThat(any.accessKey(shortLived, "x")).isEmpty();
        }
    }
}
