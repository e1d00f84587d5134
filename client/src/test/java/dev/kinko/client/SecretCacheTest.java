package dev.kinko.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.DeleteSecretRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.server.testing.TestRegion;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** SecretCache in front of a client of one real 3-node region, with a clock the test moves. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecretCacheTest {
    static final Duration TTL = Duration.ofMinutes(10);
    static final String GET = "GetSecretValue";

    @TempDir
    static Path dir;
    static TestRegion kyoto;

    CallCounter calls;
    MutableClock clock;
    KinkoClient client;

    @BeforeAll
    static void start() {
        kyoto = TestRegion.start("kyoto", dir);
    }

    @AfterAll
    static void stop() {
        kyoto.close();
    }

    @BeforeEach
    void newClient() {
        calls = new CallCounter();
        clock = new MutableClock();
        client = KinkoClient.builder().addresses(kyoto.addresses()).deadline(Duration.ofSeconds(5))
                .tls(kyoto.caFile()).token(kyoto.rootToken())
                .retry(3, Duration.ofMillis(20)).interceptor(calls).build();
    }

    @AfterEach
    void closeClient() {
        client.close();
    }

    static void create(String name, String value) {
        kyoto.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(name)
                .setClientRequestToken(KinkoClient.newToken()).setSecretString(value).build()));
    }

    static void put(String name, String value) {
        kyoto.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name)
                .setClientRequestToken(KinkoClient.newToken()).setSecretString(value).build()));
    }

    @Test
    @Order(1)
    void defaultsAreNamedConstants() {
        SecretCache cache = new SecretCache(client);
        assertThat(cache.ttl()).isEqualTo(SecretCache.DEFAULT_TTL).isEqualTo(Duration.ofHours(1));
        assertThat(cache.maxEntries()).isEqualTo(SecretCache.DEFAULT_MAX_ENTRIES).isEqualTo(1024);
    }

    @Test
    @Order(2)
    void servesFromCacheWithinTtlThenRefreshesInTheBackground() {
        create("cache/ttl", "v1");
        SecretCache cache = new SecretCache(client, TTL, 16, clock);
        assertThat(cache.getSecretString("cache/ttl")).isEqualTo("v1");
        assertThat(calls.count(GET)).isEqualTo(1);

        put("cache/ttl", "v2");
        clock.advance(TTL.minusSeconds(1));
        assertThat(cache.getSecretString("cache/ttl")).isEqualTo("v1"); // within TTL: no call
        assertThat(calls.count(GET)).isEqualTo(1);

        clock.advance(Duration.ofSeconds(2));
        // stale: the old value is served while the refresh runs, then the new one
        assertThat(cache.getSecretString("cache/ttl")).isIn("v1", "v2");
        await().atMost(TestRegion.SETTLE).until(() -> "v2".equals(cache.getSecretString("cache/ttl")));
        assertThat(cache.refreshes()).isEqualTo(1);
        assertThat(calls.count(GET)).isEqualTo(2);
        assertThat(cache.toString()).doesNotContain("v1").doesNotContain("v2");
    }

    @Test
    @Order(3)
    void invalidateForcesAFreshRead() {
        create("cache/inv", "v1");
        create("cache/other", "o1");
        SecretCache cache = new SecretCache(client, TTL, 16, clock);
        assertThat(cache.getSecretString("cache/inv")).isEqualTo("v1");
        assertThat(cache.getSecretString("cache/other")).isEqualTo("o1");
        put("cache/inv", "v2");
        put("cache/other", "o2");
        assertThat(cache.getSecretString("cache/inv")).isEqualTo("v1");

        cache.invalidate("cache/inv");
        assertThat(cache.getSecretString("cache/inv")).isEqualTo("v2"); // read at once, not in the background
        assertThat(cache.getSecretString("cache/other")).isEqualTo("o1"); // still cached
        assertThat(calls.count(GET)).isEqualTo(3);

        cache.invalidateAll();
        assertThat(cache.size()).isZero();
        assertThat(cache.getSecretString("cache/other")).isEqualTo("o2");
    }

    @Test
    @Order(4)
    void evictsTheLeastRecentlyUsedBeyondMaxEntries() {
        create("lru/a", "a");
        create("lru/b", "b");
        create("lru/c", "c");
        SecretCache cache = new SecretCache(client, TTL, 2, clock);
        cache.getSecretString("lru/a");
        cache.getSecretString("lru/b");
        cache.getSecretString("lru/a"); // a is now more recently used than b
        cache.getSecretString("lru/c"); // evicts b
        assertThat(cache.size()).isEqualTo(2);
        assertThat(calls.count(GET)).isEqualTo(3);

        assertThat(cache.getSecretString("lru/a")).isEqualTo("a");
        assertThat(cache.getSecretString("lru/c")).isEqualTo("c");
        assertThat(calls.count(GET)).isEqualTo(3);
        assertThat(cache.getSecretString("lru/b")).isEqualTo("b");
        assertThat(calls.count(GET)).isEqualTo(4);
        assertThat(cache.size()).isEqualTo(2);
    }

    @Test
    @Order(5)
    void stagesAndBinaryValuesAreCachedApart() {
        create("cache/stages", "s1");
        put("cache/stages", "s2");
        kyoto.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("cache/bin")
                .setClientRequestToken(KinkoClient.newToken()).setSecretBinary(ByteString.copyFrom(new byte[] {1, 2, 3}))
                .build()));
        SecretCache cache = new SecretCache(client, TTL, 16, clock);
        assertThat(cache.getSecretString("cache/stages")).isEqualTo("s2");
        assertThat(cache.getSecretString("cache/stages", "PREVIOUS")).isEqualTo("s1");
        assertThat(cache.getSecretBinary("cache/stages")).isNull();
        assertThat(cache.getSecretBinary("cache/bin")).containsExactly(1, 2, 3);
        assertThat(cache.getSecretString("cache/bin")).isNull();
        assertThat(calls.count(GET)).isEqualTo(3);
        assertThatThrownBy(() -> cache.getSecretString("cache/missing")).isInstanceOf(SecretNotFoundException.class);
        assertThat(cache.size()).isEqualTo(3);
    }

    @Test
    @Order(6)
    void refreshNowReadsCurrentAtOnceAndRestartsTheTtl() {
        create("cache/now", "v1");
        SecretCache cache = new SecretCache(client, TTL, 16, clock);
        assertThat(cache.getSecretString("cache/now")).isEqualTo("v1");
        put("cache/now", "v2");
        clock.advance(TTL.minusSeconds(1));
        assertThat(cache.getSecretString("cache/now")).isEqualTo("v1");

        assertThat(cache.refreshNow("cache/now")).isEqualTo("v2"); // read in this thread, not in the background
        assertThat(calls.count(GET)).isEqualTo(2);
        assertThat(cache.refreshes()).isZero();
        clock.advance(TTL.minusSeconds(1)); // within the new value's TTL: served without a call
        assertThat(cache.getSecretString("cache/now")).isEqualTo("v2");
        assertThat(calls.count(GET)).isEqualTo(2);

        // a secret not cached yet is read and cached; a binary value is null, as getSecretString says
        kyoto.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("cache/now-bin")
                .setClientRequestToken(KinkoClient.newToken()).setSecretBinary(ByteString.copyFrom(new byte[] {7}))
                .build()));
        assertThat(cache.refreshNow("cache/now-bin")).isNull();
        assertThat(cache.getSecretBinary("cache/now-bin")).containsExactly(7);
        assertThat(calls.count(GET)).isEqualTo(3);
        assertThat(cache.toString()).doesNotContain("v2");
    }

    @Test
    @Order(7)
    void aRefreshNowThatFailsThrowsAndKeepsTheCachedValue() {
        create("cache/now-fail", "v1");
        SecretCache cache = new SecretCache(client, TTL, 16, clock);
        assertThat(cache.getSecretString("cache/now-fail")).isEqualTo("v1");
        kyoto.withRetry(s -> s.deleteSecret(DeleteSecretRequest.newBuilder().setSecretId("cache/now-fail")
                .setRecoveryWindowInDays(7).build()));

        assertThatThrownBy(() -> cache.refreshNow("cache/now-fail")).isInstanceOf(KinkoException.class)
                .hasMessageNotContaining("v1");
        assertThat(cache.getSecretString("cache/now-fail")).isEqualTo("v1");
        assertThatThrownBy(() -> cache.refreshNow("cache/never")).isInstanceOf(SecretNotFoundException.class);
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    @Order(8)
    void aBackgroundRefreshThatReadBeforeARefreshNowDoesNotPutItsOlderValueBack() throws Exception {
        create("cache/race", "v1");
        HoldReplies hold = new HoldReplies();
        try (KinkoClient held = KinkoClient.builder().addresses(kyoto.addresses()).tls(kyoto.caFile())
                .token(kyoto.rootToken()).interceptor(hold).build()) {
            SecretCache cache = new SecretCache(held, TTL, 16, clock);
            assertThat(cache.getSecretString("cache/race")).isEqualTo("v1");
            put("cache/race", "v2");
            clock.advance(TTL.plusSeconds(1));

            hold.arm();
            assertThat(cache.getSecretString("cache/race")).isEqualTo("v1"); // starts the background refresh
            assertThat(hold.holding.await(TestRegion.SETTLE.toSeconds(), TimeUnit.SECONDS))
                    .as("the background refresh read v2; its reply is held").isTrue();
            hold.disarm();
            put("cache/race", "v3");
            assertThat(cache.refreshNow("cache/race")).isEqualTo("v3");

            hold.release.countDown(); // the background refresh now completes with v2
            await().atMost(TestRegion.SETTLE).until(() -> cache.refreshes() == 1);
            assertThat(cache.getSecretString("cache/race")).isEqualTo("v3");
        }
    }

    /** Holds back the reply of the GetSecretValue calls started while armed, until released. */
    static final class HoldReplies implements ClientInterceptor {
        final CountDownLatch holding = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private volatile boolean armed;

        void arm() {
            armed = true;
        }

        void disarm() {
            armed = false;
        }

        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> m, CallOptions options, Channel next) {
            ClientCall<Q, R> call = next.newCall(m, options);
            if (!armed || !m.getBareMethodName().equals(GET)) {
                return call;
            }
            return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onMessage(R message) {
                            holding.countDown();
                            try {
                                release.await(); // on the background refresh's own thread
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            super.onMessage(message);
                        }
                    }, headers);
                }
            };
        }
    }

    /** Last: it stops the region and starts it again. */
    @Test
    @Order(100)
    void servesTheLastGoodValueWhenARefreshFailsAndRetriesLater() {
        create("cache/down", "v1");
        SecretCache cache = new SecretCache(client, TTL, 16, clock);
        assertThat(cache.getSecretString("cache/down")).isEqualTo("v1");

        for (int i = 0; i < kyoto.size(); i++) {
            kyoto.stopNode(i);
        }
        clock.advance(TTL.plusSeconds(1));
        assertThat(cache.getSecretString("cache/down")).isEqualTo("v1"); // starts a refresh, serves the old value
        await().atMost(TestRegion.SETTLE).until(() -> cache.refreshFailures() == 1);
        int callsAfterFailure = calls.count(GET);
        assertThat(cache.getSecretString("cache/down")).isEqualTo("v1");
        assertThat(calls.count(GET)).isEqualTo(callsAfterFailure); // no new attempt before the retry delay

        for (int i = 0; i < kyoto.size(); i++) {
            kyoto.startNode(i);
        }
        put("cache/down", "v2");
        // each retry delay later the cache tries again (the client's channels may need a moment to reconnect)
        await().atMost(TestRegion.SETTLE).pollInterval(Duration.ofMillis(100)).until(() -> {
            clock.advance(cache.retryDelay());
            return "v2".equals(cache.getSecretString("cache/down"));
        });
        assertThat(cache.refreshFailures()).isGreaterThanOrEqualTo(1);
    }
}
