package dev.kinko.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.ReadConsistency;
import dev.kinko.server.consensus.DiskGuard;
import dev.kinko.server.testing.SmallDisk;
import dev.kinko.server.testing.TestRegion;
import dev.kinko.server.rpc.Statuses;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One node's data directory is a small tmpfs that fills up (issue 10). One region for both
 * halves, to keep the suite short: first the node leads and runs short of its reserve, then it
 * follows and its Raft log hits the full disk.
 */
class FullDiskTest {
    /** Room for the node's data and the reserve, so the test fills it on purpose only. */
    private static final long DISK_BYTES = DiskGuard.DEFAULT_MIN_FREE_BYTES + (32L << 20);
    /** Larger than the test's Raft log segments (8 KiB): every entry opens a new segment file. */
    private static final String VALUE = "v".repeat(30_000);

    @TempDir
    Path dir;

    @Test
    void aNodeWhoseDiskFillsRefusesWritesAsLeaderStopsAsFollowerAndCatchesUpWhenSpaceReturns() {
        try (SmallDisk disk = SmallDisk.mount(dir.resolve("tokyo").resolve("tokyo-1"), DISK_BYTES);
             TestRegion region = TestRegion.builder("tokyo", dir).snapshotEvery(100_000).start()) {
            // 1. the leader runs short of its reserve: DISK_FULL before the Raft log, reads go on,
            //    and it hands leadership to a member with room, so the region takes writes again
            lead(region, true);
            region.withRetry(s -> s.createSecret(create("disk/before")));
            disk.fill(16L << 20); // room for the audit log and entries in flight, below the reserve
            int[] attempt = {0}; // the guard looks at the disk at most every 200 ms: a write may still pass
            await().atMost(TestRegion.SETTLE).until(() -> {
                try {
                    region.secrets(0).createSecret(create("disk/refused-" + attempt[0]++));
                    return false;
                } catch (StatusRuntimeException e) {
                    assertThat(e.getStatus().getCode()).as(e.getMessage()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(Statuses.reasonOf(e)).as(e.getMessage()).isEqualTo("DISK_FULL");
                    return true;
                }
            });
            assertThat(region.secrets(0).getSecretValue(GetSecretValueRequest.newBuilder()
                    .setSecretId("disk/before").build()).getSecretString()).isEqualTo(VALUE);
            await().atMost(TestRegion.SETTLE).until(() -> region.awaitLeader() != 0);
            region.withRetry(s -> s.createSecret(create("disk/elsewhere")));
            assertThat(region.node(0).raft().stateMachine().storageFailed()).isFalse();

            // 2. now a follower, its disk fills up: its Raft log fails, and it stops
            CompletableFuture<Throwable> failed = new CompletableFuture<>();
            region.node(0).raft().stateMachine().onStorageFailure((what, cause) -> {
                org.slf4j.LoggerFactory.getLogger(FullDiskTest.class).info("storage failure on tokyo-1: {}", what);
                failed.complete(cause);
            });
            disk.fill(0);
            List<String> acknowledged = new ArrayList<>(List.of("disk/before", "disk/elsewhere"));
            await().atMost(TestRegion.SETTLE).pollInterval(Duration.ZERO).until(() -> {
                String name = "disk/s" + acknowledged.size();
                region.withRetry(s -> s.createSecret(create(name))); // the other two have room
                acknowledged.add(name);
                return failed.isDone();
            });
            assertThat(failed.join()).hasStackTraceContaining("No space left on device");

            // 3. what the service manager does after the exit: a start while the disk is still full
            //    fails at once (and cleanly), a start once an operator freed space succeeds
            region.stopNode(0);
            disk.fill(0); // what closing freed (preallocated log and WAL space)
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> region.startNode(0))
                    .hasStackTraceContaining("No space left on device");
            disk.clear();
            region.startNode(0);
            long committed = region.node(region.awaitLeader()).raft().view().commitIndex();
            await().atMost(TestRegion.SETTLE).until(() -> region.node(0).raft().view().appliedIndex() >= committed);
            for (String name : acknowledged) {
                assertThat(region.secrets(0).getSecretValue(GetSecretValueRequest.newBuilder().setSecretId(name)
                        .setConsistency(ReadConsistency.READ_CONSISTENCY_LOCAL).build()).getSecretString())
                        .as(name).isEqualTo(VALUE);
            }
            assertThat(region.node(0).raft().stateMachine().storageFailed()).isFalse();
        }
    }

    private static CreateSecretRequest create(String name) {
        return CreateSecretRequest.newBuilder().setName(name).setSecretString(VALUE).build();
    }

    /** Makes tokyo-1 (node 0) the leader. */
    private static void lead(TestRegion region, boolean node0) {
        int leader = region.awaitLeader();
        if ((leader == 0) != node0) {
            try {
                region.node(leader).raft().transferLeadership("tokyo-1");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            await().atMost(TestRegion.SETTLE).until(() -> region.awaitLeader() == 0);
        }
    }
}
