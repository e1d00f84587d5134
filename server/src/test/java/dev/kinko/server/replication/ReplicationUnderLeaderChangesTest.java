package dev.kinko.server.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.GetRegionStatusRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.RegionLinkStatus;
import dev.kinko.proto.v1.TransferLeadershipRequest;
import dev.kinko.server.testing.TestRegion;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leaders change in tokyo and in osaka while writes stream in: osaka ends with
 * exactly tokyo's state, every secret, version, label and value; no gaps, no duplicates.
 */
class ReplicationUnderLeaderChangesTest {
    static final int WRITERS = 3;
    static final int SECRETS = 12;

    @TempDir
    Path dir;

    @Test
    void osakaEndsWithExactlyTokyosState() throws Exception {
        try (TestRegion osaka = TestRegion.start("osaka", dir);
             TestRegion tokyo = TestRegion.builder("tokyo", dir).link(osaka).start()) {
            RestoredRegionReplicationTest.createReplicated(tokyo, "stream/s", SECRETS);
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger acks = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
            Future<?>[] writers = new Future<?>[WRITERS];
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                writers[w] = pool.submit(() -> {
                    for (int n = 1; running.get(); n++) {
                        String name = "stream/s" + ((writer * 7 + n) % SECRETS);
                        String token = UUID.randomUUID().toString();
                        String value = "w" + writer + "-" + n;
                        PutSecretValueRequest.Builder put = PutSecretValueRequest.newBuilder().setSecretId(name)
                                .setClientRequestToken(token).setSecretString(value);
                        if (n % 5 == 0) {
                            put.addVersionStages("PENDING"); // labels move too
                        }
                        tokyo.withRetry(s -> s.putSecretValue(put.build()));
                        acks.incrementAndGet();
                    }
                    return null;
                });
            }
            await().atMost(TestRegion.SETTLE).until(() -> acks.get() >= 40);
            moveLeader(tokyo);
            await().atMost(TestRegion.SETTLE).until(() -> acks.get() >= 80);
            moveLeader(osaka);
            await().atMost(TestRegion.SETTLE).until(() -> acks.get() >= 120);
            int tokyoLeader = tokyo.awaitLeader();
            tokyo.stopNode(tokyoLeader); // and a leader that dies mid-stream
            await().atMost(TestRegion.SETTLE).until(() -> acks.get() >= 160);
            tokyo.startNode(tokyoLeader);
            running.set(false);
            for (Future<?> f : writers) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();

            await().atMost(TestRegion.SETTLE).ignoreExceptions().untilAsserted(() -> {
                RegionLinkStatus link = tokyo.admin(tokyo.awaitLeader()).getRegionStatus(
                        GetRegionStatusRequest.getDefaultInstance()).getLinks(0);
                assertThat(link.getWatermark()).isEqualTo(link.getJournalHead());
            });
            assertThat(RegionState.of(osaka, "stream/")).isEqualTo(RegionState.of(tokyo, "stream/"));
        }
    }

    private static void moveLeader(TestRegion region) {
        int leader = region.awaitLeader();
        String target = region.config((leader + 1) % region.size()).nodeId();
        region.admin(leader).transferLeadership(TransferLeadershipRequest.newBuilder().setNodeId(target).build());
    }
}
