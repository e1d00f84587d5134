package dev.kinko.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.ListSecretVersionIdsRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.server.testing.TestRegion;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes through the Java client while the leader dies (issue 10): every write succeeds (the
 * client retries the reasons that are safe to retry, with one request id and token per write)
 * and none lands twice.
 */
class KinkoClientFailoverTest {
    static final int WRITERS = 4;

    @TempDir
    Path dir;

    @Test
    void everyWriteSucceedsOnceAcrossTheLeadersDeath() throws Exception {
        try (TestRegion region = TestRegion.start("tokyo", dir)) {
            int leader = region.awaitLeader();
            // the client knows the followers only, so every write is forwarded
            List<String> followers = new ArrayList<>();
            for (int i = 0; i < region.size(); i++) {
                if (i != leader) {
                    followers.add(region.config(i).peers().get(i).clientAddress());
                }
            }
            try (KinkoClient client = KinkoClient.builder().addresses(String.join(",", followers))
                    .tls(region.caFile()).token(region.rootToken()).deadline(Duration.ofSeconds(5)).build()) {
                for (int w = 0; w < WRITERS; w++) {
                    client.createSecret(CreateSecretRequest.newBuilder().setName("w" + w).setSecretString("v0").build());
                }
                Map<String, AtomicInteger> acknowledged = new ConcurrentHashMap<>();
                AtomicInteger acks = new AtomicInteger();
                AtomicBoolean running = new AtomicBoolean(true);
                ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
                List<Future<?>> writers = new ArrayList<>();
                for (int w = 0; w < WRITERS; w++) {
                    String name = "w" + w;
                    acknowledged.put(name, new AtomicInteger());
                    writers.add(pool.submit(() -> {
                        for (int n = 1; running.get(); n++) {
                            // a KinkoException here fails the test: the client gave up on a write
                            client.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name)
                                    .setSecretString("v" + n).build());
                            acknowledged.get(name).incrementAndGet();
                            acks.incrementAndGet();
                        }
                        return null;
                    }));
                }
                await().atMost(TestRegion.SETTLE).until(() -> acks.get() >= 10);
                region.stopNode(leader);
                int acksAtKill = acks.get();
                await().atMost(TestRegion.SETTLE).until(() -> acks.get() > acksAtKill + 2 * WRITERS);
                running.set(false);
                for (Future<?> f : writers) {
                    f.get(60, TimeUnit.SECONDS);
                }
                pool.shutdown();
                for (Map.Entry<String, AtomicInteger> e : acknowledged.entrySet()) {
                    int versions = client.listSecretVersionIds(ListSecretVersionIdsRequest.newBuilder()
                            .setSecretId(e.getKey()).setIncludeDeprecated(true).setPageSize(100).build()).getVersionsCount();
                    assertThat(versions).as("versions of %s", e.getKey()).isEqualTo(Math.min(100, 1 + e.getValue().get()));
                }
            }
        }
    }
}
