package dev.kinko.example.rotator;

import dev.kinko.proto.v1.ReceiveRotationJobsResponse;
import dev.kinko.proto.v1.ReportRotationStepRequest;
import dev.kinko.proto.v1.RotatorServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Reports a step's outcome, through the node the job came from first (any node takes it:
 * followers forward it to the leader). A report is safe to repeat (a repeat changes nothing), so
 * it is tried on the next node, with backoff, until it gets an answer or {@code patience} ends;
 * then the region times the step out and tries it again.
 */
final class StepReporter {
    /** Refusals that another try would not change. */
    private static final Set<Status.Code> FINAL = Set.of(Status.Code.PERMISSION_DENIED, Status.Code.UNAUTHENTICATED,
            Status.Code.INVALID_ARGUMENT, Status.Code.NOT_FOUND);
    private static final Duration ATTEMPT_DEADLINE = Duration.ofSeconds(10);

    private final List<ManagedChannel> nodes;
    private final Duration patience;

    StepReporter(List<ManagedChannel> nodes, Duration patience) {
        this.nodes = nodes;
        this.patience = patience;
    }

    /** Whether the region accepted the report; throws the last refusal when it never answered. */
    boolean report(ReceiveRotationJobsResponse job, String error, int node) throws InterruptedException {
        ReportRotationStepRequest report = ReportRotationStepRequest.newBuilder().setSecretId(job.getSecretId())
                .setToken(job.getToken()).setStep(job.getStep()).setErrorMessage(error).build();
        long giveUp = System.nanoTime() + patience.toNanos();
        long backoff = 100;
        for (int attempt = 0; ; attempt++) {
            ManagedChannel channel = nodes.get((node + attempt) % nodes.size());
            try {
                return RotatorServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(ATTEMPT_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                        .reportRotationStep(report).getAccepted();
            } catch (StatusRuntimeException e) {
                if (FINAL.contains(e.getStatus().getCode()) || System.nanoTime() + backoff * 1_000_000 > giveUp) {
                    throw e;
                }
            }
            Thread.sleep(backoff);
            backoff = Math.min(backoff * 2, 2_000);
        }
    }
}
