package dev.kinko.server.api;

import dev.kinko.proto.replication.v1.ApplyReplicationBatchRequest;
import dev.kinko.proto.replication.v1.ApplyReplicationBatchResponse;
import dev.kinko.proto.replication.v1.GetRegionInfoRequest;
import dev.kinko.proto.replication.v1.GetRegionInfoResponse;
import dev.kinko.proto.replication.v1.ReplicationServiceGrpc;
import dev.kinko.server.replication.ReplicaReceiver;
import io.grpc.stub.StreamObserver;

/** The region-to-region ReplicationService: served by the leader, forwarded there by followers. */
final class ReplicationGrpcService extends ReplicationServiceGrpc.ReplicationServiceImplBase {
    private final ReplicaReceiver receiver;
    private final LeaderForwarder forwarder;

    ReplicationGrpcService(ReplicaReceiver receiver, LeaderForwarder forwarder) {
        this.receiver = receiver;
        this.forwarder = forwarder;
    }

    @Override
    public void getRegionInfo(GetRegionInfoRequest r, StreamObserver<GetRegionInfoResponse> out) {
        forwarder.onLeader(ReplicationServiceGrpc.getGetRegionInfoMethod(), r, out, receiver::regionInfo);
    }

    @Override
    public void applyReplicationBatch(ApplyReplicationBatchRequest r, StreamObserver<ApplyReplicationBatchResponse> out) {
        forwarder.onLeader(ReplicationServiceGrpc.getApplyReplicationBatchMethod(), r, out, () -> receiver.apply(r));
    }
}
