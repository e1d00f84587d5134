package dev.kinko.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.ReadConsistency;
import dev.kinko.server.consensus.RaftNode;
import dev.kinko.server.testing.TestRegion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member that falls many Raft log segments behind catches up from the log, past the few closed
 * segments a member keeps in memory ({@code RaftNode.LOG_CACHE_SEGMENTS}): the leader reads the
 * rest back from its log's files, and no snapshot is involved.
 */
class LogCatchUpTest {
    /** With 8 KiB segments, some 1 KiB per write: about a dozen segments, far past the two kept in memory. */
    static final int SECRETS = 100;
    static final long SEGMENT_BYTES = 8L * 1024;

    @TempDir
    Path dir;

    @Test
    void aMemberBehindTheSegmentsKeptInMemoryCatchesUpFromTheLog() throws Exception {
        try (TestRegion region = TestRegion.builder("tokyo", dir).snapshotLogBytes(1L << 40, SEGMENT_BYTES).start()) {
            int leader = region.awaitLeader();
            int behind = (leader + 1) % 3;
            region.stopNode(behind);
            for (int i = 0; i < SECRETS; i++) {
                String name = "behind/s" + i;
                region.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(name)
                        .setSecretString("value-" + name + "-" + "x".repeat(512)).build()));
            }
            int current = region.awaitLeader();
            long committed = region.node(current).raft().view().commitIndex();
            try (Stream<Path> files = Files.walk(region.dataDir(current))) {
                assertThat(files.filter(f -> f.getFileName().toString().matches("log_\\d+-\\d+")).count())
                        .as("closed segments, more than a member keeps in memory")
                        .isGreaterThan(RaftNode.LOG_CACHE_SEGMENTS + 2L);
            }

            region.startNode(behind);
            await().atMost(TestRegion.SETTLE).until(() -> region.node(behind).raft().view().appliedIndex() >= committed);

            assertThat(region.node(current).raft().view().snapshotIndex()).as("no snapshot was taken").isLessThanOrEqualTo(0);
            assertThat(region.node(behind).raft().view().logStartIndex()).as("its log is whole").isLessThanOrEqualTo(1);
            for (int i = 0; i < SECRETS; i++) {
                String name = "behind/s" + i;
                assertThat(region.secrets(behind).getSecretValue(GetSecretValueRequest.newBuilder().setSecretId(name)
                        .setConsistency(ReadConsistency.READ_CONSISTENCY_LOCAL).build()).getSecretString())
                        .isEqualTo("value-" + name + "-" + "x".repeat(512));
            }
        }
    }
}
