package dev.kinko.server.api;

import dev.kinko.proto.replication.v1.ApplyReplicationBatchRequest;
import dev.kinko.proto.replication.v1.ApplyReplicationBatchResponse;
import dev.kinko.proto.replication.v1.GetRegionInfoRequest;
import dev.kinko.proto.replication.v1.GetRegionInfoResponse;
import dev.kinko.proto.replication.v1.ReplicationServiceGrpc;
import dev.kinko.server.api.security.Caller;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.replication.ReplicaReceiver;
import dev.kinko.server.rpc.Statuses;
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
        Caller caller = Caller.current();
        if (!caller.region().equals(r.getSourceRegion())) {
            // the batch's source is the region its certificate names, or nothing is applied
            out.onError(Statuses.of(Reason.SOURCE_REGION_MISMATCH, caller.principal()
                    + " cannot ship a batch as region " + r.getSourceRegion()));
            return;
        }
        forwarder.onLeader(ReplicationServiceGrpc.getApplyReplicationBatchMethod(), r, out, () -> receiver.apply(r));
    }

    @Override
    public void syncAccess(dev.kinko.proto.replication.v1.SyncAccessRequest r,
                           StreamObserver<dev.kinko.proto.replication.v1.SyncAccessResponse> out) {
        if (!Caller.current().region().equals(r.getSourceRegion())) {
            out.onError(Statuses.of(Reason.SOURCE_REGION_MISMATCH, Caller.current().principal()
                    + " cannot ship access state as region " + r.getSourceRegion()));
            return;
        }
        forwarder.onLeader(ReplicationServiceGrpc.getSyncAccessMethod(), r, out, () -> receiver.syncAccess(r));
    }
}
