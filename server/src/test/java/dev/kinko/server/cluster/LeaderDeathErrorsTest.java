package dev.kinko.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.ListSecretVersionIdsRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.SecretsServiceGrpc;
import dev.kinko.server.rpc.Statuses;
import dev.kinko.server.testing.TestRegion;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The errors a caller sees while the leader dies (issue 10): reads through a follower and writes
 * forwarded by a follower fail only with a documented, retryable reason carried in ErrorInfo, never
 * INTERNAL, UNKNOWN or a bare transport status; and writes retried with the same token and request
 * id all land exactly once.
 */
class LeaderDeathErrorsTest {
    /** What a caller may see from a live node while its region changes leader: each one retryable. */
    static final Set<String> RETRYABLE_REASONS = Set.of("NO_LEADER", "NOT_LEADER", "NOT_READY", "LEADER_UNREACHABLE",
            "FORWARD_OUTCOME_UNKNOWN", "RAFT_TIMEOUT", "OVERLOADED");
    /** How long the callers go on after the kill (the errors cluster in the first second or two). */
    static final Duration AFTER_KILL = Duration.ofMillis(1500);
    static final Metadata.Key<String> REQUEST_ID = Metadata.Key.of("kinko-request-id", Metadata.ASCII_STRING_MARSHALLER);

    @TempDir
    Path dir;

    @Test
    void followerReadsInTheSecondAfterTheLeaderDiesFailOnlyWithRetryableReasons() throws Exception {
        try (TestRegion region = TestRegion.start("tokyo", dir)) {
            region.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("app/db")
                    .setSecretString("v0").build()));
            int leader = region.awaitLeader();
            List<Integer> followers = new ArrayList<>();
            for (int i = 0; i < region.size(); i++) {
                if (i != leader) {
                    followers.add(i);
                    region.secrets(i).getSecretValue(GetSecretValueRequest.newBuilder().setSecretId("app/db").build());
                }
            }
            Queue<StatusRuntimeException> errors = new ConcurrentLinkedQueue<>();
            AtomicInteger reads = new AtomicInteger();
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService pool = Executors.newFixedThreadPool(followers.size() * 2);
            List<Future<?>> readers = new ArrayList<>();
            for (int r = 0; r < followers.size() * 2; r++) {
                int node = followers.get(r % followers.size());
                readers.add(pool.submit(() -> {
                    while (running.get()) {
                        try {
                            region.secrets(node).withDeadlineAfter(3, TimeUnit.SECONDS).getSecretValue(
                                    GetSecretValueRequest.newBuilder().setSecretId("app/db").build());
                        } catch (StatusRuntimeException e) {
                            errors.add(e);
                        }
                        reads.incrementAndGet();
                    }
                    return null;
                }));
            }
            await().atMost(TestRegion.SETTLE).until(() -> reads.get() >= 20);
            region.stopNode(leader);
            long until = System.nanoTime() + AFTER_KILL.toNanos();
            await().atMost(TestRegion.SETTLE).until(() -> System.nanoTime() >= until);
            running.set(false);
            for (Future<?> f : readers) {
                f.get(30, TimeUnit.SECONDS);
            }
            pool.shutdown();
            System.out.printf("follower reads: %d, errors: %d %s%n", reads.get(), errors.size(), summary(errors));
            assertAllRetryable(errors);
        }
    }

    @Test
    void writesForwardedWhileTheLeaderDiesFailOnlyWithRetryableReasonsAndLandOnce() throws Exception {
        int writers = 4;
        try (TestRegion region = TestRegion.start("tokyo", dir)) {
            for (int w = 0; w < writers; w++) {
                String name = "w" + w;
                region.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(name)
                        .setClientRequestToken(UUID.randomUUID().toString()).setSecretString("v0").build()));
            }
            int leader = region.awaitLeader();
            int follower = (leader + 1) % region.size();
            int other = (leader + 2) % region.size();
            Queue<StatusRuntimeException> errors = new ConcurrentLinkedQueue<>();
            Map<String, AtomicInteger> acknowledged = new ConcurrentHashMap<>();
            AtomicInteger acks = new AtomicInteger();
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                String name = "w" + w;
                acknowledged.put(name, new AtomicInteger());
                futures.add(pool.submit(() -> {
                    for (int n = 1; running.get(); n++) {
                        // one logical write: the same token and request id on every attempt, first through
                        // the follower, then (when the follower refuses) through the region's other nodes
                        PutSecretValueRequest put = PutSecretValueRequest.newBuilder().setSecretId(name)
                                .setClientRequestToken(UUID.randomUUID().toString()).setSecretString("v" + n).build();
                        Metadata headers = new Metadata();
                        headers.put(REQUEST_ID, UUID.randomUUID().toString());
                        long giveUp = System.nanoTime() + TestRegion.SETTLE.toNanos();
                        for (int attempt = 0; ; attempt++) {
                            int node = attempt == 0 || !region.running(leader) ? (attempt % 2 == 0 ? follower : other)
                                    : follower;
                            try {
                                region.secrets(node).withDeadlineAfter(5, TimeUnit.SECONDS)
                                        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                                        .putSecretValue(put);
                                break;
                            } catch (StatusRuntimeException e) {
                                if (node == follower) {
                                    errors.add(e); // what the forwarding follower answered
                                }
                                assertThat(System.nanoTime()).as("write %s to %s still failing: %s", n, name, e)
                                        .isLessThan(giveUp);
                                Thread.sleep(20);
                            }
                        }
                        acknowledged.get(name).incrementAndGet();
                        acks.incrementAndGet();
                    }
                    return null;
                }));
            }
            await().atMost(TestRegion.SETTLE).until(() -> acks.get() >= 20);
            region.stopNode(leader);
            long until = System.nanoTime() + AFTER_KILL.toNanos();
            await().atMost(TestRegion.SETTLE).until(() -> System.nanoTime() >= until);
            int acksAfterKill = acks.get();
            await().atMost(TestRegion.SETTLE).until(() -> acks.get() > acksAfterKill + writers);
            running.set(false);
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            System.out.printf("forwarded writes acknowledged: %d, errors from the follower: %d %s%n", acks.get(),
                    errors.size(), summary(errors));
            assertAllRetryable(errors);
            // exactly once: each secret holds its first version and one per acknowledged write
            for (Map.Entry<String, AtomicInteger> e : acknowledged.entrySet()) {
                int versions = region.withRetry(s -> s.listSecretVersionIds(ListSecretVersionIdsRequest.newBuilder()
                        .setSecretId(e.getKey()).setIncludeDeprecated(true).setPageSize(100).build())).getVersionsCount();
                assertThat(versions).as("versions of %s", e.getKey()).isEqualTo(Math.min(100, 1 + e.getValue().get()));
            }
        }
    }

    static void assertAllRetryable(Queue<StatusRuntimeException> errors) {
        for (StatusRuntimeException e : errors) {
            Status.Code code = e.getStatus().getCode();
            assertThat(code).as("status code of %s", e.getMessage())
                    .isNotIn(Status.Code.INTERNAL, Status.Code.UNKNOWN);
            if (code == Status.Code.DEADLINE_EXCEEDED && Statuses.reasonOf(e).isEmpty()) {
                continue; // the test's own deadline ran out: the caller's clock, not the node's answer
            }
            assertThat(Statuses.reasonOf(e)).as("ErrorInfo reason of %s", e.getMessage()).isIn(RETRYABLE_REASONS);
        }
    }

    static Map<String, Long> summary(Queue<StatusRuntimeException> errors) {
        Map<String, Long> counts = new java.util.TreeMap<>();
        for (StatusRuntimeException e : errors) {
            counts.merge(e.getStatus().getCode() + "/" + Statuses.reasonOf(e), 1L, Long::sum);
        }
        return counts;
    }
}
