package dev.kinko.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.AddMemberRequest;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.GetClusterStatusRequest;
import dev.kinko.proto.v1.GetClusterStatusResponse;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.Member;
import dev.kinko.proto.v1.MemberRole;
import dev.kinko.proto.v1.NodeStatus;
import dev.kinko.proto.v1.ReadConsistency;
import dev.kinko.proto.v1.RemoveMemberRequest;
import dev.kinko.server.config.NodeConfig;
import dev.kinko.server.testing.TestRegion;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node wiped and re-added after the log was purged catches up by snapshot installation. */
class SnapshotCatchUpTest {
    static final int SECRETS = 120;

    @TempDir
    Path dir;

    @Test
    void aWipedNodeCatchesUpFromASnapshot() throws Exception {
        try (TestRegion region = TestRegion.builder("tokyo", dir).snapshotEvery(20).start()) {
            int leader = region.awaitLeader();
            int victim = (leader + 2) % 3;
            int helper = (leader + 1) % 3;
            NodeConfig.Peer victimPeer = region.config(victim).peers().get(victim);

            region.stopNode(victim);
            region.admin(helper).removeMember(RemoveMemberRequest.newBuilder().setNodeId(victimPeer.id()).build());
            region.wipeNode(victim);
            assertThat(Files.exists(region.dataDir(victim))).isFalse();

            for (int i = 0; i < SECRETS; i++) {
                String name = "catchup/s" + i;
                region.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(name)
                        .setSecretString("value-" + name).build()));
            }
            // the leader snapshotted and purged the log the wiped node would need
            int current = region.awaitLeader();
            await().atMost(TestRegion.SETTLE).until(() -> region.node(current).raft().view().logStartIndex() > 0);

            region.startNode(victim);
            GetClusterStatusResponse afterAdd = null;
            region.admin(helper).addMember(AddMemberRequest.newBuilder().setMember(Member.newBuilder()
                    .setNodeId(victimPeer.id()).setRaftAddress(victimPeer.raftAddress())
                    .setClientAddress(victimPeer.clientAddress())).build());
            long committed = region.node(current).raft().view().commitIndex();
            await().atMost(TestRegion.SETTLE).until(() ->
                    region.node(victim).raft().view().appliedIndex() >= committed);
            // it got there from a snapshot: its own log starts after the purged part
            assertThat(region.node(victim).raft().view().snapshotIndex()).isPositive();
            assertThat(region.node(victim).raft().view().logStartIndex()).isPositive();
            for (int i = 0; i < SECRETS; i++) {
                String name = "catchup/s" + i;
                assertThat(region.secrets(victim).getSecretValue(GetSecretValueRequest.newBuilder().setSecretId(name)
                        .setConsistency(ReadConsistency.READ_CONSISTENCY_LOCAL).build()).getSecretString())
                        .isEqualTo("value-" + name);
            }
            afterAdd = region.admin(victim).getClusterStatus(GetClusterStatusRequest.getDefaultInstance());
            assertThat(afterAdd.getMembersList()).extracting(Member::getNodeId).contains(victimPeer.id());
            assertThat(afterAdd.getNodesList()).extracting(NodeStatus::getRole)
                    .doesNotContain(MemberRole.MEMBER_ROLE_UNREACHABLE).contains(MemberRole.MEMBER_ROLE_LEADER);
        }
    }
}
