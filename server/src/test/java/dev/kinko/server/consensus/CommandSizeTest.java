package dev.kinko.server.consensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.raft.v1.AuditHeadRecord;
import dev.kinko.proto.raft.v1.Command;
import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.RecordAuditHeadCommand;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.testing.TestRegion;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command is size-checked before it is proposed: one of exactly the limit is appended,
 * reaches every node (it fits the appender's buffer) and is applied; one byte more is refused
 * with COMMAND_TOO_LARGE and never reaches the log.
 */
class CommandSizeTest {
    @TempDir
    Path dir;

    /** A harmless command (an audit head record of a node that does not exist) of exactly {@code bytes}. */
    static Command ofSize(int bytes, String nodeId) {
        int pad = bytes;
        for (int i = 0; i < 8; i++) { // the length prefix's width depends on the length: converge
            Command c = command(nodeId, pad);
            int size = c.getSerializedSize();
            if (size == bytes) {
                return c;
            }
            pad += bytes - size;
        }
        throw new IllegalStateException("no command of exactly " + bytes + " bytes");
    }

    private static Command command(String nodeId, int pad) {
        return Command.newBuilder().setTimestampMillis(1).setRecordAuditHead(RecordAuditHeadCommand.newBuilder()
                .setHead(AuditHeadRecord.newBuilder().setNodeId(nodeId).setFile("x".repeat(Math.max(0, pad)))))
                .build();
    }

    @Test
    void aCommandAtTheLimitCommitsEverywhereAndOnePastItIsRefused() throws Exception {
        try (TestRegion region = TestRegion.builder("tokyo", dir).start()) {
            int leader = region.awaitLeader();
            try (GroupCommitter committer = new GroupCommitter(region.node(leader).raft())) {
                Command atLimit = ofSize(GroupCommitter.MAX_COMMAND_BYTES, "size-probe");
                assertThat(atLimit.getSerializedSize()).isEqualTo(GroupCommitter.MAX_COMMAND_BYTES);
                CommandResult r = committer.submit(atLimit).get(60, TimeUnit.SECONDS);
                assertThat(r.getErrorReason()).isEmpty();
                for (int i = 0; i < 3; i++) {
                    int node = i;
                    await().atMost(TestRegion.SETTLE).until(() -> region.node(node).raft().stateMachine().storage()
                            .auditHeads().stream().anyMatch(h -> h.getNodeId().equals("size-probe")));
                }

                Command past = ofSize(GroupCommitter.MAX_COMMAND_BYTES + 1, "too-big");
                long appliedBefore = region.node(leader).raft().view().appliedIndex();
                assertThatThrownBy(() -> committer.submit(past).join()).isInstanceOf(CompletionException.class)
                        .cause().isInstanceOfSatisfying(KinkoException.class,
                                e -> assertThat(e.reason()).isEqualTo(Reason.COMMAND_TOO_LARGE));
                assertThat(region.node(leader).raft().stateMachine().storage().auditHeads())
                        .noneMatch(h -> h.getNodeId().equals("too-big"));
                assertThat(appliedBefore).isPositive();
            }
        }
    }
}
