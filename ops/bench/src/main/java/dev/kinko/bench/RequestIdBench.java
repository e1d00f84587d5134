package dev.kinko.bench;

import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.SecretsServiceGrpc;
import dev.kinko.proto.v1.TagResourceRequest;
import dev.kinko.proto.v1.Tag;
import dev.kinko.server.api.RequestIds;
import dev.kinko.server.testing.TestRegion;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What request ids cost: the same closed-loop writes (TagResource, a write that only request
 * ids make safe to retry) against one 3-node region, with and without the kinko-request-id
 * header, in alternating rounds of the same run so that machine noise hits both alike.
 * Reports throughput and latency of each and their ratio.
 */
public final class RequestIdBench {
    public static void main(String[] args) throws Exception {
        int writers = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int secrets = 256;
        System.out.printf("request id bench: %d closed-loop writers, %d rounds of %d s per variant, TagResource on %d secrets%n",
                writers, rounds, seconds, secrets);
        System.out.println("JVM: " + Runtime.version() + " " + ManagementFactory.getRuntimeMXBean().getInputArguments()
                + ", cores " + Runtime.getRuntime().availableProcessors());
        try (WorkDir dir = WorkDir.create("kinko-bench-ids"); TestRegion tokyo = TestRegion.start("tokyo", dir.path())) {
            for (int i = 0; i < secrets; i++) {
                String name = "bench/t" + i;
                tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(name).setSecretString("v").build()));
            }
            run(tokyo, writers, seconds, false, secrets, new Recorder(3)); // warm-up
            run(tokyo, writers, seconds, true, secrets, new Recorder(3));
            Recorder plain = new Recorder(3);
            Recorder withIds = new Recorder(3);
            long plainDone = 0;
            long idsDone = 0;
            for (int r = 0; r < rounds; r++) {
                plainDone += run(tokyo, writers, seconds, false, secrets, plain);
                idsDone += run(tokyo, writers, seconds, true, secrets, withIds);
            }
            Histogram p = plain.getIntervalHistogram();
            Histogram w = withIds.getIntervalHistogram();
            double plainRate = plainDone / (double) (rounds * seconds);
            double idsRate = idsDone / (double) (rounds * seconds);
            System.out.printf("without request ids: %.0f writes/s, latency ms p50 %.1f p99 %.1f%n", plainRate,
                    p.getValueAtPercentile(50) / 1000.0, p.getValueAtPercentile(99) / 1000.0);
            System.out.printf("with request ids:    %.0f writes/s, latency ms p50 %.1f p99 %.1f%n", idsRate,
                    w.getValueAtPercentile(50) / 1000.0, w.getValueAtPercentile(99) / 1000.0);
            System.out.printf("ratio with/without: throughput %.2f, p50 %.2f, p99 %.2f%n", idsRate / plainRate,
                    w.getValueAtPercentile(50) / (double) p.getValueAtPercentile(50),
                    w.getValueAtPercentile(99) / (double) p.getValueAtPercentile(99));
        }
    }

    /** Closed loop: each writer sends its next write when the last one is answered. Returns writes acknowledged. */
    private static long run(TestRegion region, int writers, int seconds, boolean ids, int secrets, Recorder latencies)
            throws InterruptedException {
        int leader = region.awaitLeader();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong done = new AtomicLong();
        CountDownLatch finished = new CountDownLatch(writers);
        for (int w = 0; w < writers; w++) {
            int writer = w;
            Thread t = new Thread(() -> {
                SecretsServiceGrpc.SecretsServiceBlockingStub base = SecretsServiceGrpc.newBlockingStub(region.channel(leader));
                long n = 0;
                try {
                    while (running.get()) {
                        SecretsServiceGrpc.SecretsServiceBlockingStub stub = base;
                        if (ids) {
                            Metadata headers = new Metadata();
                            headers.put(RequestIds.HEADER, UUID.randomUUID().toString());
                            stub = base.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
                        }
                        long start = System.nanoTime();
                        stub.withDeadlineAfter(10, TimeUnit.SECONDS).tagResource(TagResourceRequest.newBuilder()
                                .setSecretId("bench/t" + ((writer * 7919 + n) % secrets))
                                .addTags(Tag.newBuilder().setKey("round").setValue(Long.toString(n))).build());
                        latencies.recordValue((System.nanoTime() - start) / 1_000);
                        done.incrementAndGet();
                        n++;
                    }
                } catch (RuntimeException e) {
                    System.out.println("writer " + writer + " stopped: " + e.getMessage());
                } finally {
                    finished.countDown();
                }
            }, "bench-writer-" + w);
            t.setDaemon(true);
            t.start();
        }
        Thread.sleep(seconds * 1000L); // the measured interval itself (a benchmark, not a test)
        running.set(false);
        finished.await(30, TimeUnit.SECONDS);
        return done.get();
    }
}
