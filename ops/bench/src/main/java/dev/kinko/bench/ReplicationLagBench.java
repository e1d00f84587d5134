package dev.kinko.bench;

import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.GetRegionStatusRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.PutSecretValueResponse;
import dev.kinko.proto.v1.RegionLinkStatus;
import dev.kinko.proto.v1.SecretsServiceGrpc;
import dev.kinko.server.testing.TestRegion;
import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Replication lag at a steady write rate: two real 3-node regions (tokyo ->
 * osaka) on loopback in this JVM, an open-loop writer at RATE puts/s against
 * tokyo's nodes in turn, and the lag each change took from its journal
 * record to osaka's acknowledgement (as tokyo's shipper records it).
 *
 * Arguments: [rate] [seconds] [warmup seconds] [value bytes] [secrets]. Defaults: 500 20 5 512 1000.
 * Writes go round-robin over the secrets, so fewer secrets means more versions per secret
 * (each secret keeps up to 100).
 */
public final class ReplicationLagBench {
    private static int secrets;
    static final int MAX_IN_FLIGHT = 2_000;

    public static void main(String[] args) throws Exception {
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int valueBytes = args.length > 3 ? Integer.parseInt(args[3]) : 512;
        secrets = args.length > 4 ? Integer.parseInt(args[4]) : 1_000;
        try (WorkDir work = WorkDir.create("kinko-bench")) {
            measure(rate, seconds, warmup, valueBytes, work.path());
        }
    }

    private static void measure(int rate, int seconds, int warmup, int valueBytes, Path dir) throws Exception {
        System.out.printf("replication lag bench: %d writes/s for %d s after %d s warm-up, %d-byte values, %d secrets%n",
                rate, seconds, warmup, valueBytes, secrets);
        System.out.println("JVM: " + Runtime.version() + " " + ManagementFactory.getRuntimeMXBean().getInputArguments()
                + ", cores " + Runtime.getRuntime().availableProcessors());
        try (TestRegion osaka = TestRegion.start("osaka", dir);
             TestRegion tokyo = TestRegion.builder("tokyo", dir).link(osaka).start()) {
            for (int i = 0; i < secrets; i++) {
                String name = "bench/s" + i;
                tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(name)
                        .setSecretString("v0").addAddReplicaRegions("osaka").build()));
            }
            String value = "x".repeat(valueBytes);
            run(tokyo, rate, warmup, value);
            awaitInSync(tokyo);
            drainLag(tokyo);
            Recorder writes = new Recorder(60_000_000L, 3);
            long[] sent = run(tokyo, rate, seconds, value, writes);
            awaitInSync(tokyo);
            Histogram lag = drainLag(tokyo);
            Histogram latency = writes.getIntervalHistogram();
            System.out.printf("writes: %d sent, %d acknowledged, %d failed; achieved %.0f writes/s%n",
                    sent[0], sent[1], sent[2], sent[1] / (double) seconds);
            System.out.printf("write latency (ack in tokyo) ms: p50 %.1f  p99 %.1f  max %.1f%n",
                    latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0,
                    latency.getMaxValue() / 1000.0);
            System.out.printf("replication lag (applied in tokyo -> applied in osaka) ms: p50 %d  p99 %d  max %d  (%d changes)%n",
                    lag.getValueAtPercentile(50), lag.getValueAtPercentile(99), lag.getMaxValue(), lag.getTotalCount());
            kinkoLag = lag;
        }
        if (!EtcdMirrorPeer.available()) {
            System.out.println("peer: etcd not installed (apt-get install etcd-server etcd-client); skipped");
            return;
        }
        try (WorkDir work = WorkDir.create("kinko-bench-etcd"); EtcdMirrorPeer etcd = EtcdMirrorPeer.start(work.path())) {
            EtcdMirrorPeer.Result r = etcd.run(rate, seconds, warmup, valueBytes, secrets);
            System.out.printf("peer etcd 3.4 (two 3-member clusters, etcdctl make-mirror): %d acknowledged, %d mirrored%n",
                    r.acked(), r.mirrored());
            System.out.printf("peer write latency ms: p50 %.1f  p99 %.1f  max %.1f%n",
                    r.writeLatencyMicros().getValueAtPercentile(50) / 1000.0,
                    r.writeLatencyMicros().getValueAtPercentile(99) / 1000.0, r.writeLatencyMicros().getMaxValue() / 1000.0);
            Histogram peer = r.lagMillis();
            System.out.printf("peer mirror lag (acknowledged by A -> watched on B) ms: p50 %d  p99 %d  max %d%n",
                    peer.getValueAtPercentile(50), peer.getValueAtPercentile(99), peer.getMaxValue());
            System.out.printf("ratio kinko/etcd lag: p50 %.2f  p99 %.2f%n",
                    kinkoLag.getValueAtPercentile(50) / (double) Math.max(1, peer.getValueAtPercentile(50)),
                    kinkoLag.getValueAtPercentile(99) / (double) Math.max(1, peer.getValueAtPercentile(99)));
        }
    }

    private static Histogram kinkoLag;

    private static long[] run(TestRegion tokyo, int rate, int seconds, String value) throws InterruptedException {
        return run(tokyo, rate, seconds, value, new Recorder(60_000_000L, 3));
    }

    /** Open loop: write i is due at start + i/rate whatever the earlier ones did. */
    private static long[] run(TestRegion tokyo, int rate, int seconds, String value, Recorder latencies)
            throws InterruptedException {
        SecretsServiceGrpc.SecretsServiceFutureStub[] stubs = new SecretsServiceGrpc.SecretsServiceFutureStub[tokyo.size()];
        for (int i = 0; i < stubs.length; i++) {
            stubs[i] = SecretsServiceGrpc.newFutureStub(tokyo.channel(i));
        }
        Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long total = (long) rate * seconds;
        long start = System.nanoTime();
        for (long i = 0; i < total; i++) {
            long due = start + i * 1_000_000_000L / rate;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            inFlight.acquire();
            ListenableFuture<PutSecretValueResponse> f = stubs[(int) (i % stubs.length)]
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("bench/s" + (i % secrets))
                            .setSecretString(value).build());
            Futures.addCallback(f, new FutureCallback<>() {
                @Override
                public void onSuccess(PutSecretValueResponse r) {
                    latencies.recordValue(Math.max(0, (System.nanoTime() - due) / 1_000));
                    acked.incrementAndGet();
                    inFlight.release();
                }

                @Override
                public void onFailure(Throwable t) {
                    failed.incrementAndGet();
                    inFlight.release();
                }
            }, MoreExecutors.directExecutor());
        }
        inFlight.acquire(MAX_IN_FLIGHT);
        inFlight.release(MAX_IN_FLIGHT);
        return new long[] {total, acked.get(), failed.get()};
    }

    private static void awaitInSync(TestRegion tokyo) {
        await().atMost(Duration.ofSeconds(120)).ignoreExceptions().until(() -> {
            RegionLinkStatus link = tokyo.admin(tokyo.awaitLeader())
                    .getRegionStatus(GetRegionStatusRequest.getDefaultInstance()).getLinks(0);
            return link.getWatermark() == link.getJournalHead();
        });
    }

    /** The lag recorded on every tokyo node (whichever led) since the last call. */
    private static Histogram drainLag(TestRegion tokyo) {
        Histogram all = new Histogram(3_600_000L, 3);
        for (int i = 0; i < tokyo.size(); i++) {
            if (tokyo.node(i) != null) {
                all.add(tokyo.node(i).shipping().lag("osaka").interval());
            }
        }
        return all;
    }
}
