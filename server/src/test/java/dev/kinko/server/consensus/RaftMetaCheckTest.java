package dev.kinko.server.consensus;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.ratis.protocol.RaftGroupId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node refuses to start on an empty raft-meta (left by a failed write on a full disk), and says why. */
class RaftMetaCheckTest {
    @TempDir
    Path raft;

    private final RaftGroupId group = RaftNode.groupIdOf("tokyo");

    private Path meta() throws IOException {
        Path current = Files.createDirectories(raft.resolve(group.getUuid().toString()).resolve("current"));
        return current.resolve("raft-meta");
    }

    @Test
    void aNewNodeAndAWrittenMetaStart() throws IOException {
        assertThatCode(() -> RaftNode.requireRaftMeta(raft, group)).doesNotThrowAnyException();
        Files.writeString(meta(), "term=3\nvotedFor=tokyo-2\n");
        assertThatCode(() -> RaftNode.requireRaftMeta(raft, group)).doesNotThrowAnyException();
    }

    @Test
    void anEmptyMetaIsRefusedWithWhatToDo() throws IOException {
        Files.createFile(meta());
        assertThatThrownBy(() -> RaftNode.requireRaftMeta(raft, group))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("raft-meta is empty")
                .hasMessageContaining("remove the node from its region");
    }
}
