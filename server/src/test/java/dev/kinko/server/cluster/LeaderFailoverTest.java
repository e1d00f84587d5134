package dev.kinko.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.ReadConsistency;
import dev.kinko.server.testing.TestRegion;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The leader is killed while writes stream in: nothing acknowledged is lost, and writes resume. */
class LeaderFailoverTest {
    static final int WRITERS = 4;
    static final int SECRETS_PER_WRITER = 5;
    /** Writes resume under a new leader within this: two election timeouts and a margin. */
    static final Duration RESUME_WITHIN = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    @Test
    void acknowledgedWritesSurviveTheLeadersDeath() throws Exception {
        try (TestRegion region = TestRegion.start("tokyo", dir)) {
            // name -> last acknowledged value
            Map<String, String> acknowledged = new ConcurrentHashMap<>();
            for (int w = 0; w < WRITERS; w++) {
                for (int s = 0; s < SECRETS_PER_WRITER; s++) {
                    String name = "stream/w" + w + "/s" + s;
                    region.withRetry(stub -> stub.createSecret(CreateSecretRequest.newBuilder().setName(name)
                            .setClientRequestToken(UUID.randomUUID().toString()).setSecretString("v0").build()));
                    acknowledged.put(name, "v0");
                }
            }
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger acks = new AtomicInteger();
            AtomicLong lastAckNanos = new AtomicLong(System.nanoTime());
            ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
            Future<?>[] writers = new Future<?>[WRITERS];
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                writers[w] = pool.submit(() -> {
                    for (int n = 1; running.get(); n++) {
                        String name = "stream/w" + writer + "/s" + (n % SECRETS_PER_WRITER);
                        String value = "v" + n;
                        // the same token on every retry makes the retry idempotent
                        String token = UUID.randomUUID().toString();
                        region.withRetry(stub -> stub.putSecretValue(PutSecretValueRequest.newBuilder()
                                .setSecretId(name).setClientRequestToken(token).setSecretString(value).build()));
                        acknowledged.put(name, value);
                        acks.incrementAndGet();
                        lastAckNanos.set(System.nanoTime());
                    }
                    return null;
                });
            }
            await().atMost(TestRegion.SETTLE).until(() -> acks.get() >= 50);
            int oldLeader = region.awaitLeader();
            int acksBeforeKill = acks.get();
            long killedAt = System.nanoTime();
            region.stopNode(oldLeader);

            // writes succeed again under a new leader, within a few seconds
            await().atMost(RESUME_WITHIN).until(() -> acks.get() > acksBeforeKill + 20 && lastAckNanos.get() > killedAt);
            int newLeader = region.awaitLeader();
            assertThat(newLeader).isNotEqualTo(oldLeader);
            running.set(false);
            for (Future<?> f : writers) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();

            region.startNode(oldLeader);
            for (int i = 0; i < region.size(); i++) {
                int node = i;
                // linearizable reads on every node, the returning old leader included
                await().atMost(TestRegion.SETTLE).ignoreExceptions().untilAsserted(() -> {
                    for (Map.Entry<String, String> e : acknowledged.entrySet()) {
                        assertThat(region.secrets(node).getSecretValue(GetSecretValueRequest.newBuilder()
                                .setSecretId(e.getKey()).build()).getSecretString())
                                .as("%s on node %d", e.getKey(), node).isEqualTo(e.getValue());
                    }
                });
                // and its own local state has caught up too
                await().atMost(TestRegion.SETTLE).ignoreExceptions().untilAsserted(() -> {
                    for (Map.Entry<String, String> e : acknowledged.entrySet()) {
                        assertThat(region.secrets(node).getSecretValue(GetSecretValueRequest.newBuilder()
                                .setSecretId(e.getKey()).setConsistency(ReadConsistency.READ_CONSISTENCY_LOCAL)
                                .build()).getSecretString()).isEqualTo(e.getValue());
                    }
                });
            }
        }
    }
}
