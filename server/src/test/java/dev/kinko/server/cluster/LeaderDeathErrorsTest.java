package dev.kinko.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.ListSecretVersionIdsRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
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
    /** The deadline of the paused-leader write: a stalled forward would use it all. */
    static final Duration CALLER_DEADLINE = Duration.ofSeconds(6);
    /**
     * A write forwarded to a paused leader completes within this of Ratis naming a new leader. The
     * aim is 1 s; the margin is for a loaded CI machine. It is below the forwarder's attempt deadline
     * (2 s), so the test fails when only that deadline (not the leader change) ends the attempt.
     */
    static final Duration RESUME_WITHIN = Duration.ofMillis(1_500);
    static final Metadata.Key<String> REQUEST_ID = Metadata.Key.of("kinko-request-id", Metadata.ASCII_STRING_MARSHALLER);

    @TempDir
    Path dir;

    /**
     * One region, one kill (a region takes seconds to start here): readers on both followers and
     * writers through one follower run across the leader's death, for {@link #AFTER_KILL} and until
     * writes are acknowledged again.
     */
    @Test
    void followerReadsAndForwardedWritesWhileTheLeaderDiesFailOnlyWithRetryableReasons() throws Exception {
        int writers = 4;
        try (TestRegion region = TestRegion.builder("tokyo", dir).pausableClientPorts().start()) {
            region.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("app/db")
                    .setSecretString("v0").build()));
            for (int w = 0; w < writers; w++) {
                String name = "w" + w;
                region.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(name)
                        .setClientRequestToken(UUID.randomUUID().toString()).setSecretString("v0").build()));
            }
            int leader = region.awaitLeader();
            int follower = (leader + 1) % region.size();
            int other = (leader + 2) % region.size();
            for (int i : new int[] {follower, other}) {
                region.secrets(i).getSecretValue(GetSecretValueRequest.newBuilder().setSecretId("app/db").build());
            }
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService pool = Executors.newFixedThreadPool(writers + 2);
            List<Future<?>> futures = new ArrayList<>();

            // (a) linearizable reads through each follower, one attempt each
            Queue<StatusRuntimeException> readErrors = new ConcurrentLinkedQueue<>();
            AtomicInteger reads = new AtomicInteger();
            for (int node : new int[] {follower, other}) {
                futures.add(pool.submit(() -> {
                    while (running.get()) {
                        try {
                            region.secrets(node).withDeadlineAfter(3, TimeUnit.SECONDS).getSecretValue(
                                    GetSecretValueRequest.newBuilder().setSecretId("app/db").build());
                        } catch (StatusRuntimeException e) {
                            readErrors.add(e);
                        }
                        reads.incrementAndGet();
                    }
                    return null;
                }));
            }

            // (b) writes forwarded by the follower; each logical write keeps its token and request id
            // on every attempt, first through the follower, then alternately through the other node
            Queue<StatusRuntimeException> writeErrors = new ConcurrentLinkedQueue<>();
            Map<String, AtomicInteger> acknowledged = new ConcurrentHashMap<>();
            AtomicInteger acks = new AtomicInteger();
            Queue<Long> ackTimes = new ConcurrentLinkedQueue<>();
            for (int w = 0; w < writers; w++) {
                String name = "w" + w;
                acknowledged.put(name, new AtomicInteger());
                futures.add(pool.submit(() -> {
                    for (int n = 1; running.get(); n++) {
                        PutSecretValueRequest put = PutSecretValueRequest.newBuilder().setSecretId(name)
                                .setClientRequestToken(UUID.randomUUID().toString()).setSecretString("v" + n).build();
                        Metadata headers = new Metadata();
                        headers.put(REQUEST_ID, UUID.randomUUID().toString());
                        AtomicInteger attempt = new AtomicInteger();
                        // a client's retries: 20 ms apart, until acknowledged or the deadline passes
                        await("write " + n + " to " + name).atMost(TestRegion.SETTLE).pollDelay(Duration.ZERO)
                                .pollInterval(Duration.ofMillis(20))
                                .until(() -> {
                                    int node = attempt.getAndIncrement() % 2 == 0 ? follower : other;
                                    try {
                                        region.secrets(node).withDeadlineAfter(5, TimeUnit.SECONDS)
                                                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                                                .putSecretValue(put);
                                        return true;
                                    } catch (StatusRuntimeException e) {
                                        writeErrors.add(e); // what a live node answered
                                        return false;
                                    }
                                });
                        acknowledged.get(name).incrementAndGet();
                        acks.incrementAndGet();
                        ackTimes.add(System.nanoTime());
                    }
                    return null;
                }));
            }
            await().atMost(TestRegion.SETTLE).until(() -> reads.get() >= 10 && acks.get() >= 10);
            long killed = System.nanoTime();
            region.stopNode(leader);
            region.awaitLeader();
            long ready = System.nanoTime();
            long until = Math.max(ready, killed + AFTER_KILL.toNanos());
            await().atMost(TestRegion.SETTLE).until(() -> System.nanoTime() >= until);
            int acksAfterKill = acks.get();
            await().atMost(TestRegion.SETTLE).until(() -> acks.get() > acksAfterKill + writers);
            running.set(false);
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            long firstAck = ackTimes.stream().filter(t -> t > ready).min(Long::compare).orElseThrow();
            System.out.printf("new leader ready %d ms after the kill; first forwarded write acknowledged %d ms after that%n",
                    (ready - killed) / 1_000_000, (firstAck - ready) / 1_000_000);
            System.out.printf("follower reads: %d, errors: %d %s%n", reads.get(), readErrors.size(), summary(readErrors));
            System.out.printf("forwarded writes acknowledged: %d, errors: %d %s%n", acks.get(), writeErrors.size(),
                    summary(writeErrors));
            assertAllRetryable(readErrors);
            assertAllRetryable(writeErrors);
            // exactly once: each secret holds its first version and one per acknowledged write
            for (Map.Entry<String, AtomicInteger> e : acknowledged.entrySet()) {
                int versions = region.withRetry(s -> s.listSecretVersionIds(ListSecretVersionIdsRequest.newBuilder()
                        .setSecretId(e.getKey()).setIncludeDeprecated(true).setPageSize(100).build())).getVersionsCount();
                assertThat(versions).as("versions of %s", e.getKey()).isEqualTo(Math.min(100, 1 + e.getValue().get()));
            }

            aPausedLeaderDoesNotStallAForwardedWriteOnceRatisNamesAnother(region);
        }
    }

    /**
     * The second part, on the two nodes left: the new leader's API stops answering (its client port
     * holds every byte, as a paused process does) while its Raft goes on; a write forwarded to it
     * hangs there. When Ratis names another leader (a leadership transfer, as an election would),
     * the follower drops the attempt and forwards to the new leader: the write completes well
     * before the caller's deadline.
     */
    private static void aPausedLeaderDoesNotStallAForwardedWriteOnceRatisNamesAnother(TestRegion region) throws Exception {
        int leader = region.awaitLeader();
        int follower = -1;
        for (int i = 0; i < region.size(); i++) {
            if (i != leader && region.running(i)) {
                follower = i;
            }
        }
        int via = follower;
        region.pauseClientPort(leader);
        Metadata headers = new Metadata();
        headers.put(REQUEST_ID, UUID.randomUUID().toString());
        java.util.concurrent.CompletableFuture<Long> written = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            region.secrets(via).withDeadlineAfter(CALLER_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                    .putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("app/db")
                            .setClientRequestToken(UUID.randomUUID().toString()).setSecretString("after the pause").build());
            return System.nanoTime();
        });
        // the forwarded write has reached the paused leader's port and hangs there
        await().atMost(TestRegion.SETTLE).until(() -> region.heldBytes(leader) > 0);
        assertThat(written).isNotDone();
        region.node(leader).raft().transferLeadership(region.node(via).raft().nodeId());
        long named = System.nanoTime();
        long doneAt = written.get(CALLER_DEADLINE.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        Duration after = Duration.ofNanos(doneAt - named);
        System.out.printf("forwarded write completed %d ms after the new leader was named%n", after.toMillis());
        assertThat(after).as("the write completes soon after the new leader is named").isLessThan(RESUME_WITHIN);
        region.resumeClientPort(leader);
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
