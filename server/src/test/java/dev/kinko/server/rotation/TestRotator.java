package dev.kinko.server.rotation;

import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.ReceiveRotationJobsRequest;
import dev.kinko.proto.v1.ReceiveRotationJobsResponse;
import dev.kinko.proto.v1.ReportRotationStepRequest;
import dev.kinko.proto.v1.RotationStep;
import dev.kinko.proto.v1.RotatorServiceGrpc;
import dev.kinko.server.testing.TestRegion;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * An external rotator driven by a test, over the real RotatorService: it subscribes on every
 * running node (as a real one does), queues the jobs it gets, and the test reports each step.
 */
final class TestRotator implements AutoCloseable {
    private final TestRegion region;
    private final IntFunction<Channel> channels;
    private final String name;
    private final BlockingQueue<ReceiveRotationJobsResponse> jobs = new LinkedBlockingQueue<>();
    private final Context.CancellableContext[] streams;
    private final boolean[] live;

    TestRotator(TestRegion region, String name) {
        this(region, name, region::channel);
    }

    /** A rotator calling with its own credentials ({@code channels} gives node i's channel). */
    TestRotator(TestRegion region, String name, IntFunction<Channel> channels) {
        this.channels = channels;
        this.region = region;
        this.name = name;
        this.streams = new Context.CancellableContext[region.size()];
        this.live = new boolean[region.size()];
    }

    /** Subscribes on each running node that has no live stream (after a restart, say). */
    synchronized TestRotator subscribe() {
        for (int i = 0; i < region.size(); i++) {
            if (region.running(i) && !live[i]) {
                open(i);
            }
        }
        return this;
    }

    private void open(int i) {
        live[i] = true;
        Context.CancellableContext context = Context.current().withCancellation();
        streams[i] = context;
        context.run(() -> RotatorServiceGrpc.newStub(channels.apply(i)).receiveRotationJobs(
                ReceiveRotationJobsRequest.newBuilder().setRotator(name).build(), new StreamObserver<>() {
                    @Override
                    public void onNext(ReceiveRotationJobsResponse job) {
                        jobs.add(job);
                    }

                    @Override
                    public void onError(Throwable t) {
                        ended(i);
                    }

                    @Override
                    public void onCompleted() {
                        ended(i);
                    }
                }));
    }

    private synchronized void ended(int i) {
        live[i] = false;
    }

    /** A job already received, if any (does not wait). */
    ReceiveRotationJobsResponse poll() {
        return jobs.poll();
    }

    /** Reports once through node {@code i}, without retrying: for tests of refusals. */
    void reportVia(int i, ReceiveRotationJobsResponse job, String error) {
        RotatorServiceGrpc.newBlockingStub(channels.apply(i)).withDeadlineAfter(10, TimeUnit.SECONDS)
                .reportRotationStep(ReportRotationStepRequest.newBuilder().setSecretId(job.getSecretId())
                        .setToken(job.getToken()).setStep(job.getStep()).setErrorMessage(error).build());
    }

    /** The next job, waiting up to the region's settle time; streams that ended are reopened meanwhile. */
    ReceiveRotationJobsResponse next() {
        long deadline = System.nanoTime() + TestRegion.SETTLE.toNanos();
        while (System.nanoTime() < deadline) {
            subscribe();
            try {
                ReceiveRotationJobsResponse job = jobs.poll(100, TimeUnit.MILLISECONDS);
                if (job != null) {
                    return job;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("no rotation job for " + name + " within " + TestRegion.SETTLE);
    }

    /** The next job for {@code step}, skipping repeats of earlier steps. */
    ReceiveRotationJobsResponse next(RotationStep step) {
        while (true) {
            ReceiveRotationJobsResponse job = next();
            if (job.getStep() == step) {
                return job;
            }
        }
    }

    /** Reports the step's outcome through whichever node answers (followers forward it). */
    boolean report(ReceiveRotationJobsResponse job, String error) {
        ReportRotationStepRequest report = ReportRotationStepRequest.newBuilder().setSecretId(job.getSecretId())
                .setToken(job.getToken()).setStep(job.getStep()).setErrorMessage(error).build();
        boolean[] accepted = {false};
        await().atMost(TestRegion.SETTLE).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            for (int i = 0; i < region.size(); i++) {
                if (region.running(i)) {
                    accepted[0] = RotatorServiceGrpc.newBlockingStub(channels.apply(i))
                            .withDeadlineAfter(10, TimeUnit.SECONDS).reportRotationStep(report).getAccepted();
                    return true;
                }
            }
            return false;
        });
        return accepted[0];
    }

    @Override
    public synchronized void close() {
        for (Context.CancellableContext c : streams) {
            if (c != null) {
                c.cancel(null);
            }
        }
    }
}
