package dev.kinko.example.rotator;

import dev.kinko.proto.v1.ReceiveRotationJobsRequest;
import dev.kinko.proto.v1.ReceiveRotationJobsResponse;
import dev.kinko.proto.v1.RotatorServiceGrpc;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.util.Iterator;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job stream from one node, on its own thread: only the leader sends jobs, and any node may
 * lead next, so the rotator holds one stream on every node. A stream that ends (node restarted,
 * connection lost) is opened again after a backoff that doubles up to {@link #MAX_BACKOFF_MS}.
 */
final class NodeSubscription implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeSubscription.class);
    static final long FIRST_BACKOFF_MS = 200;
    static final long MAX_BACKOFF_MS = 10_000;
    /** A stream that lasted this long was healthy: the next reopen starts from the first backoff again. */
    private static final long HEALTHY_MS = 30_000;

    private final int node;
    private final String address;
    private final ManagedChannel channel;
    private final String rotatorName;
    private final BiConsumer<ReceiveRotationJobsResponse, Integer> dispatch;
    private volatile boolean closed;
    private volatile Context.CancellableContext stream;

    NodeSubscription(int node, String address, ManagedChannel channel, String rotatorName,
                     BiConsumer<ReceiveRotationJobsResponse, Integer> dispatch) {
        this.node = node;
        this.address = address;
        this.channel = channel;
        this.rotatorName = rotatorName;
        this.dispatch = dispatch;
    }

    @Override
    public void run() {
        long backoff = FIRST_BACKOFF_MS;
        int failures = 0; // in a row: logged at the first and every tenth, not every few seconds
        while (!closed) {
            long opened = System.currentTimeMillis();
            Context.CancellableContext context = Context.current().withCancellation();
            stream = context;
            if (closed) { // close() may have run before this stream existed
                context.cancel(null);
                return;
            }
            try {
                context.run(this::receive);
                LOG.info("job stream from {} ended; reopening", address);
            } catch (StatusRuntimeException e) {
                if (!closed && (++failures == 1 || failures % 10 == 0)) {
                    LOG.info("job stream from {} failed ({}, {} time(s) in a row); reopening", address,
                            e.getStatus().getCode(), failures);
                }
            } finally {
                context.cancel(null);
            }
            if (System.currentTimeMillis() - opened > HEALTHY_MS) {
                backoff = FIRST_BACKOFF_MS;
                failures = 0;
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                return; // closed
            }
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        }
    }

    /** Blocks on the stream, handing each job on, until the stream ends. */
    private void receive() {
        Iterator<ReceiveRotationJobsResponse> jobs = RotatorServiceGrpc.newBlockingStub(channel)
                .receiveRotationJobs(ReceiveRotationJobsRequest.newBuilder().setRotator(rotatorName).build());
        while (jobs.hasNext()) {
            dispatch.accept(jobs.next(), node);
        }
    }

    /** Ends the stream; the thread then stops. */
    void close() {
        closed = true;
        Context.CancellableContext s = stream;
        if (s != null) {
            s.cancel(null);
        }
    }
}
