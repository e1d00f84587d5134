package dev.kinko.server.api;

import dev.kinko.proto.v1.CancelRotateSecretRequest;
import dev.kinko.proto.v1.CancelRotateSecretResponse;
import dev.kinko.proto.v1.RotateSecretRequest;
import dev.kinko.proto.v1.RotateSecretResponse;
import dev.kinko.server.rotation.RotationControl;
import dev.kinko.proto.v1.BatchGetSecretValueRequest;
import dev.kinko.proto.v1.BatchGetSecretValueResponse;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.CreateSecretResponse;
import dev.kinko.proto.v1.DeleteSecretRequest;
import dev.kinko.proto.v1.DeleteSecretResponse;
import dev.kinko.proto.v1.DescribeSecretRequest;
import dev.kinko.proto.v1.DescribeSecretResponse;
import dev.kinko.proto.v1.GetRandomPasswordRequest;
import dev.kinko.proto.v1.GetRandomPasswordResponse;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.GetSecretValueResponse;
import dev.kinko.proto.v1.ListSecretVersionIdsRequest;
import dev.kinko.proto.v1.ListSecretVersionIdsResponse;
import dev.kinko.proto.v1.ListSecretsRequest;
import dev.kinko.proto.v1.ListSecretsResponse;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.PutSecretValueResponse;
import dev.kinko.proto.v1.ReadConsistency;
import dev.kinko.proto.v1.RemoveRegionsFromReplicationRequest;
import dev.kinko.proto.v1.RemoveRegionsFromReplicationResponse;
import dev.kinko.proto.v1.ReplicateSecretToRegionsRequest;
import dev.kinko.proto.v1.ReplicateSecretToRegionsResponse;
import dev.kinko.proto.v1.RestoreSecretRequest;
import dev.kinko.proto.v1.StopReplicationToReplicaRequest;
import dev.kinko.proto.v1.StopReplicationToReplicaResponse;
import dev.kinko.proto.v1.RestoreSecretResponse;
import dev.kinko.proto.v1.SecretsServiceGrpc;
import dev.kinko.proto.v1.TagResourceRequest;
import dev.kinko.proto.v1.TagResourceResponse;
import dev.kinko.proto.v1.UntagResourceRequest;
import dev.kinko.proto.v1.UntagResourceResponse;
import dev.kinko.proto.v1.UpdateSecretRequest;
import dev.kinko.proto.v1.UpdateSecretResponse;
import dev.kinko.proto.v1.UpdateSecretVersionStageRequest;
import dev.kinko.proto.v1.UpdateSecretVersionStageResponse;
import dev.kinko.server.api.security.AccessControl;
import dev.kinko.server.api.security.Caller;
import dev.kinko.server.consensus.RaftNode;
import dev.kinko.server.domain.policy.Actions;
import dev.kinko.server.domain.PasswordGenerator;
import dev.kinko.server.frontend.ReplicationWriter;
import dev.kinko.server.frontend.SecretReader;
import dev.kinko.server.frontend.SecretWriter;
import io.grpc.MethodDescriptor;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The public SecretsService of one node: validates every request at the edge
 * (a malformed request changes nothing), serves reads here and writes on the
 * leader, forwarding them there from a follower.
 */
public final class SecretsGrpcService extends SecretsServiceGrpc.SecretsServiceImplBase {
    private final RaftNode raft;
    private final SecretReader reader;
    private final SecretWriter writer;
    private final ReplicationWriter replication;
    private final LeaderForwarder forwarder;
    private final PasswordGenerator passwords = new PasswordGenerator();
    private final ReadPool readers;
    private final AccessControl access;
    private final RotationControl rotation;

    /** {@code readers} run reads once the read index is reached: never on Ratis' apply thread. */
    SecretsGrpcService(RaftNode raft, SecretReader reader, SecretWriter writer, ReplicationWriter replication,
                       RotationControl rotation, LeaderForwarder forwarder, ReadPool readers, AccessControl access) {
        this.rotation = rotation;
        this.access = access;
        this.raft = raft;
        this.reader = reader;
        this.writer = writer;
        this.replication = replication;
        this.forwarder = forwarder;
        this.readers = readers;
    }

    // --- reads --------------------------------------------------------------------------

    @Override
    public void getSecretValue(GetSecretValueRequest r, StreamObserver<GetSecretValueResponse> out) {
        read(() -> RequestRules.check(r), r.getConsistency(), () -> reader.get(r), out);
    }

    @Override
    public void batchGetSecretValue(BatchGetSecretValueRequest r, StreamObserver<BatchGetSecretValueResponse> out) {
        Caller caller = Caller.current(); // the reads run on another thread, outside this call's context
        read(() -> RequestRules.check(r), r.getConsistency(), () -> reader.batchGet(r,
                ref -> access.decideOnSecret(caller, Actions.GET_SECRET_VALUE, ref).allowed()), out);
    }

    @Override
    public void describeSecret(DescribeSecretRequest r, StreamObserver<DescribeSecretResponse> out) {
        read(() -> RequestRules.check(r), r.getConsistency(), () -> reader.describe(r), out);
    }

    @Override
    public void listSecrets(ListSecretsRequest r, StreamObserver<ListSecretsResponse> out) {
        Caller caller = Caller.current();
        read(() -> RequestRules.check(r), r.getConsistency(), () -> reader.list(r,
                s -> access.decideOnSecret(caller, Actions.DESCRIBE_SECRET, s).allowed()), out);
    }

    @Override
    public void listSecretVersionIds(ListSecretVersionIdsRequest r, StreamObserver<ListSecretVersionIdsResponse> out) {
        read(() -> RequestRules.check(r), r.getConsistency(), () -> reader.versions(r), out);
    }

    @Override
    public void getRandomPassword(GetRandomPasswordRequest r, StreamObserver<GetRandomPasswordResponse> out) {
        try {
            String password = passwords.generate(PasswordGenerator.Options.of(r));
            out.onNext(GetRandomPasswordResponse.newBuilder().setRandomPassword(password).build());
            out.onCompleted();
        } catch (RuntimeException e) {
            out.onError(ErrorMapper.toStatus(e));
        }
    }

    // --- writes -------------------------------------------------------------------------

    @Override
    public void createSecret(CreateSecretRequest r, StreamObserver<CreateSecretResponse> out) {
        write(SecretsServiceGrpc.getCreateSecretMethod(), r, out,
                () -> writer.create(r, RequestRules.check(r), RequestIds.forCommand()));
    }

    @Override
    public void putSecretValue(PutSecretValueRequest r, StreamObserver<PutSecretValueResponse> out) {
        write(SecretsServiceGrpc.getPutSecretValueMethod(), r, out, () -> writer.put(r, RequestRules.check(r), RequestIds.forCommand()));
    }

    @Override
    public void updateSecret(UpdateSecretRequest r, StreamObserver<UpdateSecretResponse> out) {
        write(SecretsServiceGrpc.getUpdateSecretMethod(), r, out, () -> writer.update(r, RequestRules.check(r), RequestIds.forCommand()));
    }

    @Override
    public void updateSecretVersionStage(UpdateSecretVersionStageRequest r,
                                         StreamObserver<UpdateSecretVersionStageResponse> out) {
        write(SecretsServiceGrpc.getUpdateSecretVersionStageMethod(), r, out, () -> {
            RequestRules.check(r);
            return writer.updateStage(r, RequestIds.forCommand());
        });
    }

    @Override
    public void deleteSecret(DeleteSecretRequest r, StreamObserver<DeleteSecretResponse> out) {
        write(SecretsServiceGrpc.getDeleteSecretMethod(), r, out, () -> {
            RequestRules.check(r);
            return writer.delete(r, RequestIds.forCommand());
        });
    }

    @Override
    public void restoreSecret(RestoreSecretRequest r, StreamObserver<RestoreSecretResponse> out) {
        write(SecretsServiceGrpc.getRestoreSecretMethod(), r, out, () -> {
            RequestRules.check(r);
            return writer.restore(r, RequestIds.forCommand());
        });
    }

    @Override
    public void tagResource(TagResourceRequest r, StreamObserver<TagResourceResponse> out) {
        write(SecretsServiceGrpc.getTagResourceMethod(), r, out, () -> {
            RequestRules.check(r);
            return writer.tag(r, RequestIds.forCommand());
        });
    }

    @Override
    public void untagResource(UntagResourceRequest r, StreamObserver<UntagResourceResponse> out) {
        write(SecretsServiceGrpc.getUntagResourceMethod(), r, out, () -> {
            RequestRules.check(r);
            return writer.untag(r, RequestIds.forCommand());
        });
    }

    @Override
    public void replicateSecretToRegions(ReplicateSecretToRegionsRequest r,
                                         StreamObserver<ReplicateSecretToRegionsResponse> out) {
        write(SecretsServiceGrpc.getReplicateSecretToRegionsMethod(), r, out, () -> {
            RequestRules.check(r);
            return replication.replicate(r, RequestIds.forCommand());
        });
    }

    @Override
    public void removeRegionsFromReplication(RemoveRegionsFromReplicationRequest r,
                                             StreamObserver<RemoveRegionsFromReplicationResponse> out) {
        write(SecretsServiceGrpc.getRemoveRegionsFromReplicationMethod(), r, out, () -> {
            RequestRules.check(r);
            return replication.removeRegions(r, RequestIds.forCommand());
        });
    }

    @Override
    public void stopReplicationToReplica(StopReplicationToReplicaRequest r,
                                         StreamObserver<StopReplicationToReplicaResponse> out) {
        write(SecretsServiceGrpc.getStopReplicationToReplicaMethod(), r, out, () -> {
            RequestRules.check(r);
            return replication.stop(r, RequestIds.forCommand());
        });
    }

    @Override
    public void rotateSecret(RotateSecretRequest r, StreamObserver<RotateSecretResponse> out) {
        Caller caller = Caller.current();
        write(SecretsServiceGrpc.getRotateSecretMethod(), r, out, () -> {
            RequestRules.check(r);
            return rotation.rotate(r, RequestIds.forCommand(),
                    other -> access.decideOnSecret(caller, Actions.GET_SECRET_VALUE, other).allowed());
        });
    }

    @Override
    public void cancelRotateSecret(CancelRotateSecretRequest r, StreamObserver<CancelRotateSecretResponse> out) {
        write(SecretsServiceGrpc.getCancelRotateSecretMethod(), r, out, () -> {
            RequestRules.check(r);
            return rotation.cancel(r, RequestIds.forCommand());
        });
    }

    // --- plumbing -----------------------------------------------------------------------

    private <R> void read(Runnable validate, ReadConsistency consistency, Supplier<R> read, StreamObserver<R> out) {
        try {
            validate.run();
        } catch (RuntimeException e) {
            out.onError(ErrorMapper.toStatus(e));
            return;
        }
        LeaderForwarder.reply(readers.after(reader.ready(consistency), read), out);
    }

    /**
     * Validates and runs a write on the leader, or forwards it there. Invalid requests are
     * refused here, on whichever node they reached, before anything is forwarded.
     */
    private <Q, R> void write(MethodDescriptor<Q, R> method, Q request, StreamObserver<R> out,
                              Supplier<CompletableFuture<R>> onLeader) {
        if (!raft.isLeaderReady()) {
            try {
                RequestRules.checkAny(request);
            } catch (RuntimeException e) {
                out.onError(ErrorMapper.toStatus(e));
                return;
            }
            forwarder.forward(method, request, out);
            return;
        }
        forwarder.onLeader(method, request, out, onLeader);
    }
}
