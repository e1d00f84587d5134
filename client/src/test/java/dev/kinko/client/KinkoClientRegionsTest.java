package dev.kinko.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.kinko.proto.v1.BatchGetSecretValueRequest;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.DeleteSecretRequest;
import dev.kinko.proto.v1.DescribeSecretRequest;
import dev.kinko.proto.v1.GetRandomPasswordRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.ListSecretVersionIdsRequest;
import dev.kinko.proto.v1.ListSecretsRequest;
import dev.kinko.proto.v1.PromoteRegionRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.RestoreSecretRequest;
import dev.kinko.proto.v1.SecretMetadata;
import dev.kinko.proto.v1.TagResourceRequest;
import dev.kinko.proto.v1.Tag;
import dev.kinko.proto.v1.UpdateSecretRequest;
import dev.kinko.server.testing.TestRegion;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** The client against two real 3-node regions: tokyo (primary, linked to osaka) and osaka. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KinkoClientRegionsTest {
    static final int ATTEMPTS = 4;
    static final String GET = "GetSecretValue";
    static final String DESCRIBE = "DescribeSecret";

    @TempDir
    static Path dir;
    static TestRegion osaka;
    static TestRegion tokyo;

    @BeforeAll
    static void start() {
        osaka = TestRegion.start("osaka", dir);
        tokyo = TestRegion.builder("tokyo", dir).link(osaka).start();
    }

    @AfterAll
    static void stop() {
        tokyo.close();
        osaka.close();
    }

    static KinkoClient client(TestRegion... preferred) {
        return client(KinkoClient.builder(), preferred);
    }

    static KinkoClient client(KinkoClientBuilder b, TestRegion... preferred) {
        b.deadline(Duration.ofSeconds(5)).retry(ATTEMPTS, Duration.ofMillis(20))
                .tls(preferred[0].caFile()).token(preferred[0].rootToken());
        for (TestRegion r : preferred) {
            b.region(r.name(), List.of(r.addresses().split(",")));
        }
        return b.build();
    }

    static GetSecretValueRequest get(String name) {
        return GetSecretValueRequest.newBuilder().setSecretId(name).build();
    }

    static void awaitValueIn(TestRegion region, String name, String value) {
        await().atMost(TestRegion.SETTLE).ignoreExceptions().untilAsserted(() -> assertThat(region.withRetry(s ->
                s.getSecretValue(get(name))).getSecretString()).isEqualTo(value));
    }

    @Test
    @Order(1)
    void aSingleRegionClientWorksAsBefore() {
        try (KinkoClient c = KinkoClient.builder().addresses(tokyo.addresses()).deadline(Duration.ofSeconds(5))
                .tls(tokyo.caFile()).token(tokyo.rootToken())
                .retry(4, Duration.ofMillis(20)).build()) {
            assertThat(c.regions()).containsExactly((String) null);
            c.createSecret(CreateSecretRequest.newBuilder().setName("single/a").setSecretString("v1").build());
            c.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("single/a").setSecretString("v2").build());
            assertThat(c.secrets(s -> s.getSecretValue(get("single/a"))).getSecretString()).isEqualTo("v2");
            assertThat(c.getSecretValue(get("single/a")).getSecretString()).isEqualTo("v2");
            assertThat(c.admin(a -> a.getClusterStatus(dev.kinko.proto.v1.GetClusterStatusRequest.getDefaultInstance()))
                    .getMembersCount()).isEqualTo(3);
            assertThatThrownBy(() -> c.secrets(s -> s.getSecretValue(get("single/missing"))))
                    .isInstanceOf(SecretNotFoundException.class)
                    .extracting(e -> ((KinkoException) e).reason()).isEqualTo("SECRET_NOT_FOUND");
        }
    }

    @Test
    @Order(2)
    void writesRouteToThePrimaryRegionWhileTheReplicaRegionRefusesThem() {
        tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("route/db")
                .setSecretString("t1").addAddReplicaRegions("osaka").build()));
        awaitValueIn(osaka, "route/db", "t1");
        try (KinkoClient c = client(osaka, tokyo)) {
            // osaka is preferred and serves the read as a replica
            SecretMetadata meta = c.describeSecret(DescribeSecretRequest.newBuilder().setSecretId("route/db").build())
                    .getSecret();
            assertThat(meta.getReplica()).isTrue();
            assertThat(meta.getPrimaryRegion()).isEqualTo("tokyo");

            c.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("route/db").setSecretString("t2").build());
            c.updateSecret(UpdateSecretRequest.newBuilder().setSecretId("route/db").setDescription("routed").build());
            c.tagResource(TagResourceRequest.newBuilder().setSecretId("route/db")
                    .addTags(Tag.newBuilder().setKey("team").setValue("orders")).build());
            assertThat(c.secrets("tokyo", s -> s.getSecretValue(get("route/db"))).getSecretString()).isEqualTo("t2");
            assertThat(c.secrets("tokyo", s -> s.describeSecret(DescribeSecretRequest.newBuilder()
                    .setSecretId("route/db").build())).getSecret().getDescription()).isEqualTo("routed");
            await().atMost(TestRegion.SETTLE).untilAsserted(() ->
                    assertThat(c.getSecretValue(get("route/db")).getSecretString()).isEqualTo("t2"));

            // sent to osaka directly, the write is refused as a replica's
            assertThatThrownBy(() -> c.secrets("osaka", s -> s.putSecretValue(PutSecretValueRequest.newBuilder()
                    .setSecretId("route/db").setClientRequestToken(KinkoClient.newToken()).setSecretString("x").build())))
                    .isInstanceOf(ReplicaReadOnlyException.class)
                    .hasMessageContaining("REPLICA_READ_ONLY")
                    .hasMessageContaining("tokyo")
                    .hasMessageNotContaining("x\"");
        }
    }

    @Test
    @Order(3)
    void createGoesToTheFirstRegionAndAsyncVariantsComplete() {
        try (KinkoClient c = client(osaka, tokyo)) {
            c.createSecretAsync(CreateSecretRequest.newBuilder().setName("async/a").setSecretString("o1").build()).join();
            assertThat(c.secrets("osaka", s -> s.describeSecret(DescribeSecretRequest.newBuilder()
                    .setSecretId("async/a").build())).getSecret().getPrimaryRegion()).isEqualTo("osaka");
            c.putSecretValueAsync(PutSecretValueRequest.newBuilder().setSecretId("async/a").setSecretString("o2").build())
                    .join();
            assertThat(c.getSecretValueAsync(get("async/a")).join().getSecretString()).isEqualTo("o2");
            assertThat(c.listSecretVersionIdsAsync(ListSecretVersionIdsRequest.newBuilder().setSecretId("async/a")
                    .build()).join().getVersionsCount()).isEqualTo(2);
            assertThat(c.getRandomPasswordAsync(GetRandomPasswordRequest.newBuilder().setPasswordLength(20).build())
                    .join().getRandomPassword()).hasSize(20);
            assertThatThrownBy(() -> c.getSecretValueAsync(get("async/missing")).join())
                    .isInstanceOf(CompletionException.class).hasCauseInstanceOf(SecretNotFoundException.class);
        }
    }

    @Test
    @Order(4)
    void refusalsArriveAsTypedExceptions() {
        try (KinkoClient c = client(tokyo, osaka)) {
            assertThatThrownBy(() -> c.getSecretValue(get("typed/missing")))
                    .isInstanceOf(SecretNotFoundException.class).hasMessageContaining("typed/missing");
            // a write on a secret no region has
            assertThatThrownBy(() -> c.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("typed/missing")
                    .setSecretString("v").build())).isInstanceOf(SecretNotFoundException.class);

            c.createSecret(CreateSecretRequest.newBuilder().setName("typed/a").setSecretString("v1").build());
            assertThatThrownBy(() -> c.createSecret(CreateSecretRequest.newBuilder().setName("typed/a")
                    .setSecretString("v1").build()))
                    .isInstanceOf(SecretExistsException.class)
                    .satisfies(e -> assertThat(((KinkoException) e).code()).isEqualTo(Status.Code.ALREADY_EXISTS));

            assertThatThrownBy(() -> c.createSecret(CreateSecretRequest.newBuilder().setName("bad name!")
                    .setSecretString("v").build()))
                    .isInstanceOf(InvalidRequestException.class)
                    .satisfies(e -> assertThat(((KinkoException) e).reason()).isEqualTo("INVALID_NAME"));
            assertThatThrownBy(() -> c.listSecrets(ListSecretsRequest.newBuilder().setPageSize(101).build()))
                    .isInstanceOf(InvalidRequestException.class)
                    .satisfies(e -> assertThat(((KinkoException) e).reason()).isEqualTo("INVALID_PAGE_SIZE"));

            c.deleteSecret(DeleteSecretRequest.newBuilder().setSecretId("typed/a").setRecoveryWindowInDays(7).build());
            assertThatThrownBy(() -> c.getSecretValue(get("typed/a"))).isInstanceOf(ScheduledForDeletionException.class);
            c.restoreSecret(RestoreSecretRequest.newBuilder().setSecretId("typed/a").build());
            assertThat(c.getSecretValue(get("typed/a")).getSecretString()).isEqualTo("v1");
        }
    }

    @Test
    @Order(5)
    void aFailedWriteNeverCarriesTheValue() {
        String value = "sup3r-s3cret-value-do-not-leak";
        try (KinkoClient c = client(tokyo, osaka)) {
            c.createSecret(CreateSecretRequest.newBuilder().setName("leak/a").setSecretString("first").build());
            String token = KinkoClient.newToken();
            c.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("leak/a").setClientRequestToken(token)
                    .setSecretString("other").build());
            // the same token with another value is refused
            Throwable conflict = org.assertj.core.api.Assertions.catchThrowable(() -> c.putSecretValue(
                    PutSecretValueRequest.newBuilder().setSecretId("leak/a").setClientRequestToken(token)
                            .setSecretString(value).build()));
            assertThat(conflict).isInstanceOf(IdempotencyConflictException.class);
            assertNoValue(conflict, value);

            Throwable tooLarge = org.assertj.core.api.Assertions.catchThrowable(() -> c.putSecretValue(
                    PutSecretValueRequest.newBuilder().setSecretId("leak/a")
                            .setSecretString(value + "x".repeat(70_000)).build()));
            assertThat(tooLarge).isInstanceOf(InvalidRequestException.class);
            assertNoValue(tooLarge, value);

            Throwable binary = org.assertj.core.api.Assertions.catchThrowable(() -> c.putSecretValue(
                    PutSecretValueRequest.newBuilder().setSecretId("leak/missing")
                            .setSecretBinary(ByteString.copyFromUtf8(value)).build()));
            assertThat(binary).isInstanceOf(SecretNotFoundException.class);
            assertNoValue(binary, value);
        }
    }

    static void assertNoValue(Throwable t, String value) {
        for (Throwable e = t; e != null; e = e.getCause()) {
            assertThat(String.valueOf(e.getMessage())).doesNotContain(value);
            assertThat(e.toString()).doesNotContain(value);
        }
    }

    static DescribeSecretRequest describe(String name) {
        return DescribeSecretRequest.newBuilder().setSecretId(name).build();
    }

    /** Stops tokyo and starts it again. */
    @Test
    @Order(90)
    void aDownRegionRestsForTheCoolOffThenOneReadProbesItAndItIsPreferredAgain() {
        Duration coolOff = Duration.ofSeconds(10);
        MutableClock clock = new MutableClock();
        CallCounter calls = new CallCounter();
        tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("rest/db")
                .setClientRequestToken(KinkoClient.newToken()).setSecretString("t1").addAddReplicaRegions("osaka")
                .build()));
        awaitValueIn(osaka, "rest/db", "t1");
        try (KinkoClient c = client(KinkoClient.builder().clock(clock).regionCoolOff(coolOff).interceptor(calls),
                tokyo, osaka)) {
            restsThenIsPreferredAgain(c, clock, coolOff, calls);
        } finally {
            startStoppedNodes(tokyo); // the tests after this one need tokyo, even when this one failed half-way
        }
    }

    static void startStoppedNodes(TestRegion region) {
        for (int i = 0; i < region.size(); i++) {
            if (!region.running(i)) {
                region.startNode(i);
            }
        }
        region.awaitLeader();
    }

    private static void restsThenIsPreferredAgain(KinkoClient c, MutableClock clock, Duration coolOff,
                                                  CallCounter calls) {
        assertThat(c.describeSecret(describe("rest/db")).getSecret().getReplica()).isFalse(); // tokyo answers
        int describesToTokyo = calls.count(DESCRIBE, tokyo.addresses());

        for (int i = 0; i < tokyo.size(); i++) {
            tokyo.stopNode(i);
        }

        // the first read pays tokyo's retries, then osaka answers
        assertThat(c.getSecretValue(get("rest/db")).getSecretString()).isEqualTo("t1");
        assertThat(calls.count(GET, tokyo.addresses())).isEqualTo(ATTEMPTS);
        assertThat(calls.count(GET, osaka.addresses())).isEqualTo(1);

        // tokyo rests: the next reads go straight to osaka, none reaches tokyo
        for (int i = 0; i < 3; i++) {
            assertThat(c.getSecretValue(get("rest/db")).getSecretString()).isEqualTo("t1");
        }
        assertThat(c.describeSecret(describe("rest/db")).getSecret().getReplica()).isTrue(); // osaka answered
        assertThat(calls.count(GET, osaka.addresses())).isEqualTo(4);
        assertThat(calls.count(GET, tokyo.addresses())).isEqualTo(ATTEMPTS);
        assertThat(calls.count(DESCRIBE, tokyo.addresses())).isEqualTo(describesToTokyo);

        // a write still goes to the primary region, resting or not (its primary is looked up in osaka)
        assertThatThrownBy(() -> c.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("rest/db")
                .setSecretString("t2").build()))
                .isInstanceOf(PrimaryRegionUnavailableException.class).hasMessageContaining("tokyo");
        assertThat(calls.count("PutSecretValue", tokyo.addresses())).isEqualTo(ATTEMPTS);
        assertThat(calls.count(DESCRIBE, tokyo.addresses())).isEqualTo(describesToTokyo);

        // one nanosecond before the cool-off ends tokyo still rests
        clock.advance(coolOff.minusNanos(1));
        assertThat(c.getSecretValue(get("rest/db")).getSecretString()).isEqualTo("t1");
        assertThat(calls.count(GET, tokyo.addresses())).isEqualTo(ATTEMPTS);

        // when it ends, one read probes tokyo (still down: it pays the retries once more, osaka answers)
        clock.advance(Duration.ofNanos(1));
        assertThat(c.getSecretValue(get("rest/db")).getSecretString()).isEqualTo("t1");
        assertThat(calls.count(GET, tokyo.addresses())).isEqualTo(2 * ATTEMPTS);
        assertThat(c.getSecretValue(get("rest/db")).getSecretString()).isEqualTo("t1");
        assertThat(calls.count(GET, tokyo.addresses())).isEqualTo(2 * ATTEMPTS); // resting again

        startStoppedNodes(tokyo);
        // after each cool-off a read probes tokyo, until tokyo answers (its nodes may need a moment)
        await().atMost(TestRegion.SETTLE).pollInterval(Duration.ofMillis(100)).until(() -> {
            clock.advance(coolOff);
            return !c.describeSecret(describe("rest/db")).getSecret().getReplica();
        });

        // tokyo is preferred again: reads go to it, none to osaka
        int toOsaka = calls.count(GET, osaka.addresses());
        int fromTokyo = calls.count(GET, tokyo.addresses());
        for (int i = 0; i < 3; i++) {
            assertThat(c.getSecretValue(get("rest/db")).getSecretString()).isEqualTo("t1");
        }
        assertThat(calls.count(GET, tokyo.addresses())).isGreaterThanOrEqualTo(fromTokyo + 3);
        assertThat(calls.count(GET, osaka.addresses())).isEqualTo(toOsaka);
    }

    /** Last: it stops tokyo. */
    @Test
    @Order(100)
    void readsFailOverToOsakaWhenTokyoIsDownAndWritesNameTheUnreachablePrimary() {
        try (KinkoClient c = client(tokyo, osaka)) {
            c.createSecret(CreateSecretRequest.newBuilder().setName("failover/db").setSecretString("t1")
                    .addAddReplicaRegions("osaka").build());
            awaitValueIn(osaka, "failover/db", "t1");
            assertThat(c.describeSecret(DescribeSecretRequest.newBuilder().setSecretId("failover/db").build())
                    .getSecret().getReplica()).isFalse(); // served by tokyo while it is up

            for (int i = 0; i < tokyo.size(); i++) {
                tokyo.stopNode(i);
            }

            assertThat(c.getSecretValue(get("failover/db")).getSecretString()).isEqualTo("t1");
            SecretMetadata meta = c.describeSecret(DescribeSecretRequest.newBuilder().setSecretId("failover/db")
                    .build()).getSecret();
            assertThat(meta.getReplica()).isTrue(); // osaka answered
            assertThat(meta.getPrimaryRegion()).isEqualTo("tokyo");
            assertThat(c.batchGetSecretValue(BatchGetSecretValueRequest.newBuilder().addSecretIds("failover/db")
                    .build()).getSecretValues(0).getSecretString()).isEqualTo("t1");
            assertThat(c.listSecrets(ListSecretsRequest.newBuilder().setNamePrefix("failover/").build())
                    .getSecretsList()).extracting(SecretMetadata::getName).containsExactly("failover/db");
            assertThat(c.listSecretVersionIds(ListSecretVersionIdsRequest.newBuilder().setSecretId("failover/db")
                    .build()).getVersionsCount()).isEqualTo(1);

            // the primary region (remembered from the create) is down: the write says so
            assertThatThrownBy(() -> c.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("failover/db")
                    .setSecretString("t2").build()))
                    .isInstanceOf(PrimaryRegionUnavailableException.class)
                    .hasMessageContaining("tokyo")
                    .satisfies(e -> {
                        PrimaryRegionUnavailableException p = (PrimaryRegionUnavailableException) e;
                        assertThat(p.region()).isEqualTo("tokyo");
                        assertThat(p.reason()).isEqualTo("PRIMARY_REGION_UNAVAILABLE");
                    });
        }
        // a fresh client finds the primary region through osaka's describe
        try (KinkoClient fresh = client(tokyo, osaka)) {
            assertThatThrownBy(() -> fresh.updateSecret(UpdateSecretRequest.newBuilder().setSecretId("failover/db")
                    .setDescription("x").build()))
                    .isInstanceOf(PrimaryRegionUnavailableException.class)
                    .hasMessageContaining("primary region tokyo");
            assertThat(fresh.getSecretValue(get("failover/db")).getSecretString()).isEqualTo("t1");

            // an operator promotes osaka: the client's remembered primary (tokyo) is looked up again
            fresh.admin("osaka", a -> a.promoteRegion(PromoteRegionRequest.getDefaultInstance()));
            await().atMost(TestRegion.SETTLE).untilAsserted(() -> assertThat(fresh.describeSecret(
                    DescribeSecretRequest.newBuilder().setSecretId("failover/db").build()).getSecret()
                    .getPrimaryRegion()).isEqualTo("osaka"));
            fresh.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("failover/db").setSecretString("o2")
                    .build());
            assertThat(fresh.getSecretValue(get("failover/db")).getSecretString()).isEqualTo("o2");
        }
    }
}
