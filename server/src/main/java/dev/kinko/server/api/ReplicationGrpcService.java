package dev.kinko.server.api;

import dev.kinko.proto.replication.v1.ApplyReplicationBatchRequest;
import dev.kinko.proto.replication.v1.ApplyReplicationBatchResponse;
import dev.kinko.proto.replication.v1.GetRegionInfoRequest;
import dev.kinko.proto.replication.v1.GetRegionInfoResponse;
import dev.kinko.proto.replication.v1.ReplicationServiceGrpc;
import dev.kinko.server.consensus.RaftNode;
import dev.kinko.server.replication.ReplicaReceiver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** The region-to-region ReplicationService: served by the leader, forwarded there by followers. */
final class ReplicationGrpcService extends ReplicationServiceGrpc.ReplicationServiceImplBase {
    private final RaftNode raft;
    private final ReplicaReceiver receiver;
    private final LeaderForwarder forwarder;

    ReplicationGrpcService(RaftNode raft, ReplicaReceiver receiver, LeaderForwarder forwarder) {
        this.raft = raft;
        this.receiver = receiver;
        this.forwarder = forwarder;
    }

    @Override
    public void getRegionInfo(GetRegionInfoRequest r, StreamObserver<GetRegionInfoResponse> out) {
        onLeader(ReplicationServiceGrpc.getGetRegionInfoMethod(), r, out, receiver::regionInfo);
    }

    @Override
    public void applyReplicationBatch(ApplyReplicationBatchRequest r, StreamObserver<ApplyReplicationBatchResponse> out) {
        onLeader(ReplicationServiceGrpc.getApplyReplicationBatchMethod(), r, out, () -> receiver.apply(r));
    }

    private <Q, R> void onLeader(io.grpc.MethodDescriptor<Q, R> method, Q request, StreamObserver<R> out,
                                 Supplier<CompletableFuture<R>> call) {
        if (!raft.isLeaderReady()) {
            forwarder.forward(method, request, out);
            return;
        }
        CompletableFuture<R> result;
        try {
            result = call.get();
        } catch (RuntimeException e) {
            result = CompletableFuture.failedFuture(e);
        }
        result.whenComplete((value, error) -> {
            if (error != null) {
                out.onError(ErrorMapper.toStatus(error));
            } else {
                out.onNext(value);
                out.onCompleted();
            }
        });
    }
}
