package dev.kinko.server.api;

import dev.kinko.server.backup.Backups;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

import dev.kinko.proto.v1.AddMemberRequest;
import dev.kinko.proto.v1.DeleteRegionLinkRequest;
import dev.kinko.proto.v1.DeleteRegionLinkResponse;
import dev.kinko.proto.v1.GetRegionStatusRequest;
import dev.kinko.proto.v1.GetRegionStatusResponse;
import dev.kinko.proto.v1.ListUnshippedChangesRequest;
import dev.kinko.proto.v1.ListUnshippedChangesResponse;
import dev.kinko.proto.v1.PromoteRegionRequest;
import dev.kinko.proto.v1.PromoteRegionResponse;
import dev.kinko.proto.v1.PutRegionLinkRequest;
import dev.kinko.proto.v1.PutRegionLinkResponse;
import dev.kinko.proto.v1.ReplicateRegionRequest;
import dev.kinko.proto.v1.ReplicateRegionResponse;
import dev.kinko.proto.v1.AddMemberResponse;
import dev.kinko.proto.v1.AdminServiceGrpc;
import dev.kinko.proto.v1.GetClusterStatusRequest;
import dev.kinko.proto.v1.GetClusterStatusResponse;
import dev.kinko.proto.v1.GetNodeStatusRequest;
import dev.kinko.proto.v1.GetNodeStatusResponse;
import dev.kinko.proto.v1.Member;
import dev.kinko.proto.v1.MemberRole;
import dev.kinko.proto.v1.NodeStatus;
import dev.kinko.proto.v1.RemoveMemberRequest;
import dev.kinko.proto.v1.RemoveMemberResponse;
import dev.kinko.proto.v1.RewrapDataKeysRequest;
import dev.kinko.proto.v1.RewrapDataKeysResponse;
import dev.kinko.proto.v1.RotateRegionKeyRequest;
import dev.kinko.proto.v1.RotateRegionKeyResponse;
import dev.kinko.proto.v1.BackupResponse;
import dev.kinko.proto.v1.BackupRequest;
import dev.kinko.proto.v1.TakeSnapshotRequest;
import dev.kinko.proto.v1.TakeSnapshotResponse;
import dev.kinko.proto.v1.TransferLeadershipRequest;
import dev.kinko.proto.v1.TransferLeadershipResponse;
import dev.kinko.server.consensus.RaftNode;
import dev.kinko.server.consensus.DataSizes;
import dev.kinko.server.consensus.RegionMember;
import dev.kinko.server.crypto.Keyring;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.frontend.SecretWriter;
import dev.kinko.server.rpc.Statuses;
import io.grpc.Grpc;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** The region part of AdminService: status, membership, leadership, snapshots, region keys. */
public final class AdminGrpcService extends AdminServiceGrpc.AdminServiceImplBase {
    /** How long GetClusterStatus waits for each member's own view. */
    static final long MEMBER_STATUS_DEADLINE_MS = 2_000;
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Pattern ADDRESS = Pattern.compile("[A-Za-z0-9_.\\-\\[\\]:]{1,255}:[0-9]{1,5}");

    private final NodeServices services;
    private final RaftNode raft;
    private final SecretWriter writer;
    private final Keyring keyring;
    private final Backups backups;
    private final LeaderForwarder forwarder;
    /** Backups a node makes at once: each needs about the database's size in scratch space. */
    public static final int MAX_CONCURRENT_BACKUPS = 1;
    private final java.util.concurrent.Semaphore backupRunning = new java.util.concurrent.Semaphore(MAX_CONCURRENT_BACKUPS);

    /** Status calls to the region's other nodes present this node's certificate. */
    private final ChannelCredentials asNode;

    AdminGrpcService(NodeServices services, LeaderForwarder forwarder, ChannelCredentials asNode) {
        this.asNode = asNode;
        this.services = services;
        this.raft = services.raft();
        this.writer = services.writer();
        this.keyring = services.keyring();
        this.backups = services.backups();
        this.forwarder = forwarder;
    }

    @Override
    public void getNodeStatus(GetNodeStatusRequest r, StreamObserver<GetNodeStatusResponse> out) {
        call(out, () -> GetNodeStatusResponse.newBuilder().setStatus(localStatus()).build());
    }

    @Override
    public void getClusterStatus(GetClusterStatusRequest r, StreamObserver<GetClusterStatusResponse> out) {
        call(out, () -> {
            RaftNode.NodeView self = raft.view();
            GetClusterStatusResponse.Builder b = GetClusterStatusResponse.newBuilder()
                    .setRegion(raft.region()).setLeaderId(self.leaderId()).setTerm(self.term())
                    .setRegionKeyVersion(keyring.newestVersion());
            List<RegionMember> members = raft.members();
            members.forEach(m -> b.addMembers(member(m)));
            List<CompletableFuture<NodeStatus>> views = members.stream().map(this::statusOf).toList();
            views.forEach(v -> b.addNodes(v.join()));
            return b.build();
        });
    }

    /** Each member is asked on behalf of the caller, whose rights it checks again. */
    private CompletableFuture<NodeStatus> statusOf(RegionMember m) {
        io.grpc.Metadata forwardedCaller = new io.grpc.Metadata();
        dev.kinko.server.api.security.Callers.forwardAs(dev.kinko.server.api.security.Caller.current(), forwardedCaller);
        if (m.nodeId().equals(raft.nodeId())) {
            return CompletableFuture.completedFuture(localStatus());
        }
        return CompletableFuture.supplyAsync(() -> {
            ManagedChannel channel = Grpc.newChannelBuilder(m.clientAddress(), asNode).build();
            try {
                return AdminServiceGrpc.newBlockingStub(channel).withInterceptors(
                                io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(forwardedCaller))
                        .withDeadlineAfter(MEMBER_STATUS_DEADLINE_MS, TimeUnit.MILLISECONDS)
                        .getNodeStatus(GetNodeStatusRequest.getDefaultInstance()).getStatus();
            } catch (RuntimeException e) {
                return NodeStatus.newBuilder().setNodeId(m.nodeId()).setRegion(raft.region())
                        .setRole(MemberRole.MEMBER_ROLE_UNREACHABLE)
                        .setError(io.grpc.Status.fromThrowable(e).getCode().name()).build();
            } finally {
                channel.shutdownNow();
            }
        });
    }

    private NodeStatus localStatus() {
        RaftNode.NodeView v = raft.view();
        DataSizes sizes = raft.dataSizes();
        return NodeStatus.newBuilder().setNodeId(v.nodeId()).setRegion(v.region()).setRole(role(v.role()))
                .setLeaderId(v.leaderId()).setTerm(v.term()).setCommitIndex(v.commitIndex())
                .setAppliedIndex(v.appliedIndex()).setSnapshotIndex(v.snapshotIndex())
                .setRaftLogBytes(sizes.raftLogBytes()).setDbBytes(sizes.dbBytes())
                .setSnapshotBytes(sizes.snapshotBytes()).setFreeBytes(sizes.freeBytes()).build();
    }

    @Override
    public void addMember(AddMemberRequest r, StreamObserver<AddMemberResponse> out) {
        call(out, () -> {
            Member m = r.getMember();
            checkNodeId(m.getNodeId());
            checkAddress("raft_address", m.getRaftAddress());
            checkAddress("client_address", m.getClientAddress());
            List<RegionMember> members = admin(() -> raft.addMember(
                    new RegionMember(m.getNodeId(), m.getRaftAddress(), m.getClientAddress())));
            AddMemberResponse.Builder b = AddMemberResponse.newBuilder();
            members.forEach(x -> b.addMembers(member(x)));
            return b.build();
        });
    }

    @Override
    public void removeMember(RemoveMemberRequest r, StreamObserver<RemoveMemberResponse> out) {
        call(out, () -> {
            checkNodeId(r.getNodeId());
            List<RegionMember> members = admin(() -> raft.removeMember(r.getNodeId()));
            RemoveMemberResponse.Builder b = RemoveMemberResponse.newBuilder();
            members.forEach(x -> b.addMembers(member(x)));
            return b.build();
        });
    }

    @Override
    public void transferLeadership(TransferLeadershipRequest r, StreamObserver<TransferLeadershipResponse> out) {
        call(out, () -> {
            if (!r.getNodeId().isEmpty()) {
                checkNodeId(r.getNodeId());
            }
            String leader = admin(() -> raft.transferLeadership(r.getNodeId()));
            return TransferLeadershipResponse.newBuilder().setLeaderId(leader).build();
        });
    }

    @Override
    public void takeSnapshot(TakeSnapshotRequest r, StreamObserver<TakeSnapshotResponse> out) {
        call(out, () -> TakeSnapshotResponse.newBuilder().setSnapshotIndex(admin(raft::takeSnapshot)).build());
    }

    @Override
    public void backup(BackupRequest r, StreamObserver<BackupResponse> out) {
        if (!backupRunning.tryAcquire()) {
            out.onError(Statuses.of(Reason.OVERLOADED, "a backup is already being made on node " + raft.nodeId()
                    + "; retry when it is done"));
            return;
        }
        Context call = Context.current();
        // after the read index: the backup holds every write acknowledged before the call
        CompletableFuture<Path> file = raft.readBarrier().thenApplyAsync(v -> {
            if (call.isCancelled()) {
                throw new KinkoException(Reason.ADMIN_FAILED, "the caller went away before the backup was made");
            }
            try {
                return backups.create(System.currentTimeMillis());
            } catch (IOException e) {
                throw new KinkoException(Reason.ADMIN_FAILED, "backup failed: " + e.getMessage());
            }
        }, AdminGrpcService::backupThread);
        BackupSender.send(file, (ServerCallStreamObserver<BackupResponse>) out, backupRunning::release);
    }

    /** Backups do minutes of blocking I/O: on a thread of their own, not a shared pool. */
    private static void backupThread(Runnable task) {
        Thread t = new Thread(task, "kinko-backup");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void rotateRegionKey(RotateRegionKeyRequest r, StreamObserver<RotateRegionKeyResponse> out) {
        if (!raft.isLeaderReady()) {
            forwarder.forward(AdminServiceGrpc.getRotateRegionKeyMethod(), r, out);
            return;
        }
        call(out, () -> RotateRegionKeyResponse.newBuilder().setKeyVersion(writer.rotateRegionKey().join()).build());
    }

    @Override
    public void rewrapDataKeys(RewrapDataKeysRequest r, StreamObserver<RewrapDataKeysResponse> out) {
        if (!raft.isLeaderReady()) {
            forwarder.forward(AdminServiceGrpc.getRewrapDataKeysMethod(), r, out);
            return;
        }
        call(out, () -> {
            long rewrapped = writer.rewrapDataKeys();
            return RewrapDataKeysResponse.newBuilder().setKeyVersion(keyring.newestVersion()).setRewrapped(rewrapped).build();
        });
    }

    // --- replication: this region's links and sources ------------------------------------------

    @Override
    public void getRegionStatus(GetRegionStatusRequest r, StreamObserver<GetRegionStatusResponse> out) {
        // after the read index, like any read: a status asked right after a promotion shows it
        LeaderForwarder.reply(raft.readBarrier().thenApplyAsync(v -> RegionStatusView.of(services, System.currentTimeMillis())), out);
    }

    @Override
    public void putRegionLink(PutRegionLinkRequest r, StreamObserver<PutRegionLinkResponse> out) {
        forwarder.onLeader(AdminServiceGrpc.getPutRegionLinkMethod(), r, out, () -> {
            RegionStatusView.checkLink(r.getRegion(), r.getAddressesList());
            return services.replication().putLink(r.getRegion(), r.getAddressesList())
                    .thenApply(x -> PutRegionLinkResponse.getDefaultInstance());
        });
    }

    @Override
    public void deleteRegionLink(DeleteRegionLinkRequest r, StreamObserver<DeleteRegionLinkResponse> out) {
        forwarder.onLeader(AdminServiceGrpc.getDeleteRegionLinkMethod(), r, out, () ->
                services.replication().deleteLink(r.getRegion()).thenApply(x -> DeleteRegionLinkResponse.getDefaultInstance()));
    }

    @Override
    public void promoteRegion(PromoteRegionRequest r, StreamObserver<PromoteRegionResponse> out) {
        forwarder.onLeader(AdminServiceGrpc.getPromoteRegionMethod(), r, out, () ->
                services.replication().promote().thenApply(res -> PromoteRegionResponse.newBuilder()
                        .setPromotedSecrets(res.getCount())
                        .addAllSources(RegionStatusView.of(services, System.currentTimeMillis()).getSourcesList())
                        .build()));
    }

    @Override
    public void replicateRegion(ReplicateRegionRequest r, StreamObserver<ReplicateRegionResponse> out) {
        forwarder.onLeader(AdminServiceGrpc.getReplicateRegionMethod(), r, out, () -> {
            dev.kinko.server.domain.Validation.regions(java.util.List.of(r.getRegion()));
            return services.replication().replicateRegion(r.getRegion(), r.getForceOverwriteReplicaSecrets())
                    .thenApply(res -> ReplicateRegionResponse.newBuilder().setSecrets(res.getCount()).build());
        });
    }

    @Override
    public void listUnshippedChanges(ListUnshippedChangesRequest r, StreamObserver<ListUnshippedChangesResponse> out) {
        LeaderForwarder.reply(raft.readBarrier().thenApplyAsync(v -> RegionStatusView.unshipped(services.state(), r.getRegion())), out);
    }

    private interface AdminAction<T> {
        T run() throws IOException;
    }

    private static <T> T admin(AdminAction<T> action) {
        try {
            return action.run();
        } catch (IllegalArgumentException e) {
            throw new KinkoException(Reason.INVALID_MEMBER, e.getMessage());
        } catch (IOException e) {
            throw new KinkoException(Reason.ADMIN_FAILED, e.getMessage());
        }
    }

    private static void checkNodeId(String id) {
        if (!NODE_ID.matcher(id).matches()) {
            throw new KinkoException(Reason.INVALID_MEMBER, "a node id must be 1-64 letters, digits, '.', '_' or '-'");
        }
    }

    private static void checkAddress(String field, String address) {
        if (!ADDRESS.matcher(address).matches()) {
            throw new KinkoException(Reason.INVALID_MEMBER, field + " must be host:port");
        }
    }

    private static Member member(RegionMember m) {
        return Member.newBuilder().setNodeId(m.nodeId()).setRaftAddress(m.raftAddress())
                .setClientAddress(m.clientAddress()).build();
    }

    private static MemberRole role(String ratisRole) {
        return switch (ratisRole) {
            case "LEADER" -> MemberRole.MEMBER_ROLE_LEADER;
            case "FOLLOWER" -> MemberRole.MEMBER_ROLE_FOLLOWER;
            case "CANDIDATE" -> MemberRole.MEMBER_ROLE_CANDIDATE;
            case "LISTENER" -> MemberRole.MEMBER_ROLE_LISTENER;
            default -> MemberRole.MEMBER_ROLE_UNSPECIFIED;
        };
    }

    @Override
    public void getAuditHeads(dev.kinko.proto.v1.GetAuditHeadsRequest r,
                              StreamObserver<dev.kinko.proto.v1.GetAuditHeadsResponse> out) {
        LeaderForwarder.reply(raft.readBarrier().thenApply(v -> {
            dev.kinko.proto.v1.GetAuditHeadsResponse.Builder b = dev.kinko.proto.v1.GetAuditHeadsResponse.newBuilder();
            services.state().auditHeads().forEach(h -> b.addHeads(dev.kinko.proto.v1.AuditHead.newBuilder()
                    .setNodeId(h.getNodeId()).setFile(h.getFile()).setSeq(h.getSeq()).setHash(h.getHash())
                    .setRecordedDate(dev.kinko.server.frontend.Records.timestamp(h.getRecordedMillis()))));
            return b.build();
        }), out);
    }

    private static <T> void call(StreamObserver<T> out, java.util.function.Supplier<T> body) {
        try {
            out.onNext(body.get());
            out.onCompleted();
        } catch (RuntimeException e) {
            out.onError(ErrorMapper.toStatus(e));
        }
    }
}
