package dev.kinko.server.api;

import dev.kinko.proto.v1.ReceiveRotationJobsRequest;
import dev.kinko.proto.v1.ReceiveRotationJobsResponse;
import dev.kinko.proto.v1.ReportRotationStepRequest;
import dev.kinko.proto.v1.ReportRotationStepResponse;
import dev.kinko.proto.v1.RotatorServiceGrpc;
import dev.kinko.server.rotation.ExternalRotators;
import dev.kinko.server.rotation.RotationRunner;
import dev.kinko.server.api.security.AccessControl;
import dev.kinko.server.api.security.Caller;
import dev.kinko.server.domain.policy.Actions;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * RotatorService: an external rotator's stream of jobs (held by the node it reached; the leader
 * sends to its own subscribers) and its reports (writes, forwarded to the leader). Opening the
 * stream takes kinko:RunRotator; each job goes only to a subscriber whose policies allow
 * kinko:RunRotator on that secret, and a report is checked on its secret the same way.
 */
final class RotatorGrpcService extends RotatorServiceGrpc.RotatorServiceImplBase {
    private final ExternalRotators rotators;
    private final RotationRunner runner;
    private final LeaderForwarder forwarder;
    private final AccessControl access;

    RotatorGrpcService(ExternalRotators rotators, RotationRunner runner, LeaderForwarder forwarder,
                       AccessControl access) {
        this.access = access;
        this.rotators = rotators;
        this.runner = runner;
        this.forwarder = forwarder;
    }

    @Override
    public void receiveRotationJobs(ReceiveRotationJobsRequest r, StreamObserver<ReceiveRotationJobsResponse> out) {
        try {
            RequestRules.check(r);
        } catch (RuntimeException e) {
            out.onError(ErrorMapper.toStatus(e));
            return;
        }
        ServerCallStreamObserver<ReceiveRotationJobsResponse> stream = (ServerCallStreamObserver<ReceiveRotationJobsResponse>) out;
        Caller caller = Caller.current();
        Runnable unsubscribe = rotators.subscribe(r.getRotator(), new ExternalRotators.JobSink() {
            @Override
            public boolean accepts(ReceiveRotationJobsResponse job) {
                return access.decideOnSecret(caller, Actions.RUN_ROTATOR, job.getSecretId()).allowed();
            }

            @Override
            public boolean send(ReceiveRotationJobsResponse job) {
                synchronized (stream) { // jobs come from worker threads; a stream takes one message at a time
                    if (stream.isCancelled()) {
                        return false;
                    }
                    stream.onNext(job);
                    return true;
                }
            }
        });
        stream.setOnCancelHandler(unsubscribe);
    }

    @Override
    public void reportRotationStep(ReportRotationStepRequest r, StreamObserver<ReportRotationStepResponse> out) {
        try {
            RequestRules.check(r);
        } catch (RuntimeException e) {
            out.onError(ErrorMapper.toStatus(e));
            return;
        }
        forwarder.onLeader(RotatorServiceGrpc.getReportRotationStepMethod(), r, out, () -> runner.report(r));
    }
}
