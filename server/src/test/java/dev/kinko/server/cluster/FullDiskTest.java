package dev.kinko.server.cluster;

import static dev.kinko.server.testing.Grpcs.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.ReadConsistency;
import dev.kinko.server.consensus.DiskGuard;
import dev.kinko.server.testing.SmallDisk;
import dev.kinko.server.testing.TestRegion;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One node's data directory is a small tmpfs that fills up (issue 10). The leader refuses
 * writes with DISK_FULL before its Raft log fills; a follower whose Raft log hits the full
 * disk stops (the process would exit and be restarted) and catches up, with every
 * acknowledged write, once space returns.
 */
class FullDiskTest {
    /** Room for the node's data and the reserve, so the test fills it on purpose only. */
    private static final long DISK_BYTES = DiskGuard.DEFAULT_MIN_FREE_BYTES + (32L << 20);
    /** Larger than the test's Raft log segments (8 KiB): every entry opens a new segment file. */
    private static final String VALUE = "v".repeat(30_000);

    @TempDir
    Path dir;

    @Test
    void aLeaderBelowItsReserveRefusesWritesWithDiskFullAndTakesThemAgainWhenSpaceReturns() {
        try (SmallDisk disk = SmallDisk.mount(dir.resolve("tokyo").resolve("tokyo-1"), DISK_BYTES);
             TestRegion region = TestRegion.builder("tokyo", dir).snapshotEvery(100_000).start()) {
            lead(region, 0);
            region.withRetry(s -> s.createSecret(create("disk/before")));
            disk.fill(16L << 20); // room for the audit log and entries in flight, below the reserve

            for (int via : new int[] {0, 1}) { // the leader itself, and a follower that forwards
                assertRefused(() -> region.secrets(via).createSecret(create("disk/refused-" + via)),
                        Status.Code.UNAVAILABLE, "DISK_FULL");
            }
            // reads go on
            assertThat(region.secrets(0).getSecretValue(GetSecretValueRequest.newBuilder()
                    .setSecretId("disk/before").build()).getSecretString()).isEqualTo(VALUE);
            assertThat(region.node(0).raft().stateMachine().storageFailed()).isFalse();

            disk.clear();
            await().atMost(TestRegion.SETTLE).untilAsserted(() ->
                    region.secrets(0).createSecret(create("disk/after")));
            assertThat(region.node(0).raft().isLeaderReady()).isTrue();
        }
    }

    @Test
    void aFollowerWhoseRaftLogFillsStopsAndCatchesUpWithEveryAcknowledgedWriteWhenSpaceReturns() {
        try (SmallDisk disk = SmallDisk.mount(dir.resolve("tokyo").resolve("tokyo-1"), DISK_BYTES);
             TestRegion region = TestRegion.builder("tokyo", dir).snapshotEvery(100_000).start()) {
            int leader = lead(region, 1);
            CompletableFuture<Throwable> failed = new CompletableFuture<>();
            region.node(0).raft().stateMachine().onStorageFailure((what, cause) -> failed.complete(cause));
            disk.fill(0);

            List<String> acknowledged = new ArrayList<>();
            await().atMost(TestRegion.SETTLE).pollInterval(Duration.ZERO).until(() -> {
                String name = "disk/s" + acknowledged.size();
                region.secrets(leader).createSecret(create(name)); // the leader and tokyo-3 have room
                acknowledged.add(name);
                return failed.isDone();
            });
            assertThat(failed.join()).hasStackTraceContaining("No space left on device");

            // what the service manager does after the exit, once an operator freed space
            region.stopNode(0);
            disk.clear();
            region.startNode(0);
            long committed = region.node(region.awaitLeader()).raft().view().commitIndex();
            await().atMost(TestRegion.SETTLE).until(() -> region.node(0).raft().view().appliedIndex() >= committed);
            for (String name : acknowledged) {
                assertThat(region.secrets(0).getSecretValue(GetSecretValueRequest.newBuilder().setSecretId(name)
                        .setConsistency(ReadConsistency.READ_CONSISTENCY_LOCAL).build()).getSecretString())
                        .isEqualTo(VALUE);
            }
            assertThat(region.node(0).raft().stateMachine().storageFailed()).isFalse();
        }
    }

    private static CreateSecretRequest create(String name) {
        return CreateSecretRequest.newBuilder().setName(name).setSecretString(VALUE).build();
    }

    /** Makes node {@code i} the leader (or not: {@code i == 1} means any node but tokyo-1); returns the leader. */
    private static int lead(TestRegion region, int i) {
        int leader = region.awaitLeader();
        boolean want0 = i == 0;
        if ((leader == 0) != want0) {
            try {
                region.node(leader).raft().transferLeadership(want0 ? "tokyo-1" : "tokyo-2");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            await().atMost(TestRegion.SETTLE).until(() -> {
                int l = region.awaitLeader();
                return (l == 0) == want0;
            });
        }
        return region.awaitLeader();
    }
}
