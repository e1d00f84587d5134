package dev.kinko.server.cluster;

import static dev.kinko.server.testing.Grpcs.assertRefused;
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
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.RemoveMemberRequest;
import dev.kinko.proto.v1.RewrapDataKeysRequest;
import dev.kinko.proto.v1.RewrapDataKeysResponse;
import dev.kinko.proto.v1.RotateRegionKeyRequest;
import dev.kinko.proto.v1.TransferLeadershipRequest;
import dev.kinko.server.testing.TestRegion;
import io.grpc.Status;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The region part of AdminService: status, leadership, region key rotation, bad member requests. */
class AdminServiceTest {
    @TempDir
    static Path dir;
    static TestRegion region;

    @BeforeAll
    static void start() {
        region = TestRegion.start("tokyo", dir);
    }

    @AfterAll
    static void stop() {
        region.close();
    }

    @Test
    void clusterStatusShowsEveryMembersView() {
        region.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("admin/status")
                .setSecretString("v").build()));
        int leader = region.awaitLeader();
        GetClusterStatusResponse status = region.admin((leader + 1) % 3)
                .getClusterStatus(GetClusterStatusRequest.getDefaultInstance());
        assertThat(status.getRegion()).isEqualTo("tokyo");
        assertThat(status.getLeaderId()).isEqualTo("tokyo-" + (leader + 1));
        assertThat(status.getMembersList()).extracting(Member::getNodeId)
                .containsExactly("tokyo-1", "tokyo-2", "tokyo-3");
        assertThat(status.getNodesList()).hasSize(3);
        assertThat(status.getNodesList()).filteredOn(n -> n.getRole() == MemberRole.MEMBER_ROLE_LEADER).hasSize(1);
        assertThat(status.getNodesList()).allSatisfy(n -> {
            assertThat(n.getTerm()).isEqualTo(status.getTerm());
            assertThat(n.getCommitIndex()).isPositive();
        });
        assertThat(status.getRegionKeyVersion()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void leadershipMovesWhereItIsSent() {
        int leader = region.awaitLeader();
        String target = "tokyo-" + ((leader + 1) % 3 + 1);
        assertThat(region.admin(leader).transferLeadership(TransferLeadershipRequest.newBuilder()
                .setNodeId(target).build()).getLeaderId()).isEqualTo(target);
        await().atMost(TestRegion.SETTLE).until(() -> region.awaitLeader() == (leader + 1) % 3);
        // and writes go on under the new leader
        region.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("admin/after-transfer")
                .setSecretString("v").build()));
    }

    @Test
    void rotatingTheRegionKeyKeepsEveryValueReadable() {
        for (int i = 0; i < 5; i++) {
            String name = "admin/rotate" + i;
            region.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(name)
                    .setSecretString("old-" + name).build()));
        }
        int before = region.admin(0).getClusterStatus(GetClusterStatusRequest.getDefaultInstance()).getRegionKeyVersion();
        int rotated = region.admin(1).rotateRegionKey(RotateRegionKeyRequest.getDefaultInstance()).getKeyVersion();
        assertThat(rotated).isEqualTo(before + 1);
        region.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("admin/rotate0")
                .setSecretString("new-value").build()));

        RewrapDataKeysResponse rewrap = region.admin(2).rewrapDataKeys(RewrapDataKeysRequest.getDefaultInstance());
        assertThat(rewrap.getKeyVersion()).isEqualTo(rotated);
        assertThat(rewrap.getRewrapped()).isGreaterThanOrEqualTo(5);
        for (int i = 0; i < 3; i++) {
            int node = i;
            await().atMost(TestRegion.SETTLE).until(() ->
                    region.node(node).raft().stateMachine().storage().valuesWrappedBefore(rotated, 1).isEmpty());
        }
        for (int i = 1; i < 5; i++) {
            String name = "admin/rotate" + i;
            assertThat(region.withRetry(s -> s.getSecretValue(GetSecretValueRequest.newBuilder().setSecretId(name)
                    .build())).getSecretString()).isEqualTo("old-" + name);
        }
        assertThat(region.withRetry(s -> s.getSecretValue(GetSecretValueRequest.newBuilder()
                .setSecretId("admin/rotate0").setVersionStage("PREVIOUS").build())).getSecretString())
                .isEqualTo("old-admin/rotate0");
        // a second rewrap finds nothing left to do
        assertThat(region.admin(0).rewrapDataKeys(RewrapDataKeysRequest.getDefaultInstance()).getRewrapped()).isZero();
    }

    @Test
    void badMemberRequestsAreRefusedAndChangeNothing() {
        assertRefused(() -> region.admin(0).removeMember(RemoveMemberRequest.newBuilder().setNodeId("tokyo-9").build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_MEMBER");
        assertRefused(() -> region.admin(0).removeMember(RemoveMemberRequest.newBuilder().setNodeId("bad id!").build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_MEMBER");
        assertRefused(() -> region.admin(0).addMember(AddMemberRequest.newBuilder().setMember(Member.newBuilder()
                .setNodeId("tokyo-1").setRaftAddress("127.0.0.1:1").setClientAddress("127.0.0.1:2")).build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_MEMBER");
        assertRefused(() -> region.admin(0).addMember(AddMemberRequest.newBuilder().setMember(Member.newBuilder()
                .setNodeId("tokyo-4").setRaftAddress("no-port").setClientAddress("127.0.0.1:2")).build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_MEMBER");
        assertRefused(() -> region.admin(0).transferLeadership(TransferLeadershipRequest.newBuilder()
                .setNodeId("tokyo-9").build()), Status.Code.INVALID_ARGUMENT, "INVALID_MEMBER");
        assertThat(region.admin(0).getClusterStatus(GetClusterStatusRequest.getDefaultInstance()).getMembersList())
                .extracting(Member::getNodeId).containsExactly("tokyo-1", "tokyo-2", "tokyo-3");
        assertThat(region.admin(0).getClusterStatus(GetClusterStatusRequest.getDefaultInstance()).getNodesList())
                .extracting(NodeStatus::getRole).doesNotContain(MemberRole.MEMBER_ROLE_UNREACHABLE);
    }

    @Test
    void aRewrapWalksMoreValuesThanOneRoundTakes() {
        int count = dev.kinko.server.frontend.SecretWriter.HOUSEKEEPING_BATCH + 20;
        for (int i = 0; i < count; i++) {
            String name = "admin/many" + i;
            region.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(name).setSecretString("m" + name).build()));
        }
        region.admin(0).rotateRegionKey(RotateRegionKeyRequest.getDefaultInstance());
        RewrapDataKeysResponse rewrap = region.admin(1).rewrapDataKeys(RewrapDataKeysRequest.getDefaultInstance());
        assertThat(rewrap.getRewrapped()).isGreaterThanOrEqualTo(count);
        int leader = region.awaitLeader();
        assertThat(region.node(leader).raft().stateMachine().storage().valuesWrappedBefore(rewrap.getKeyVersion(), 1)).isEmpty();
        assertThat(region.withRetry(s -> s.getSecretValue(GetSecretValueRequest.newBuilder()
                .setSecretId("admin/many" + (count - 1)).build())).getSecretString()).isEqualTo("madmin/many" + (count - 1));
    }
}
