package dev.kinko.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The peer: two 3-member etcd clusters on loopback, A mirrored to B by
 * {@code etcdctl make-mirror}, the same open-loop write rate into A. The lag
 * of a write is from its acknowledgement by A to its watch event from B.
 */
final class EtcdMirrorPeer implements AutoCloseable {
    record Result(Histogram writeLatencyMicros, Histogram lagMillis, long acked, long mirrored) {}

    private final Path dir;
    private final EtcdCluster a;
    private final EtcdCluster b;
    private Process mirror;

    private EtcdMirrorPeer(Path dir) throws IOException {
        this.dir = dir;
        this.a = EtcdCluster.start("a", dir, 3);
        this.b = EtcdCluster.start("b", dir, 3);
    }

    static boolean available() {
        return EtcdCluster.available();
    }

    static EtcdMirrorPeer start(Path dir) throws IOException {
        return new EtcdMirrorPeer(dir);
    }

    Result run(int rate, int seconds, int warmup, int valueBytes, int keys) throws Exception {
        try (Client source = Client.builder().endpoints(a.endpoints().split(",")).build();
             Client destination = Client.builder().endpoints(b.endpoints().split(",")).build()) {
            KV kv = source.getKVClient();
            kv.put(bytes("bench/ready"), bytes("1")).get(60, TimeUnit.SECONDS);
            destination.getKVClient().get(bytes("bench/ready")).get(60, TimeUnit.SECONDS);
            ProcessBuilder mirrorCommand = new ProcessBuilder(EtcdCluster.ETCDCTL.toString(), "--endpoints", a.endpoints(),
                    "make-mirror", "--prefix", "bench/", b.endpoint(0))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("mirror.log").toFile());
            mirrorCommand.environment().put("ETCDCTL_API", "3");
            mirror = mirrorCommand.start();
            long total = (long) rate * (warmup + seconds);
            long measuredFrom = (long) rate * warmup;
            AtomicLongArray ackedAt = new AtomicLongArray((int) total);
            Recorder lag = new Recorder(3_600_000L, 3);
            AtomicLong mirrored = new AtomicLong();
            Watch.Watcher watcher = destination.getWatchClient().watch(bytes("bench/k"),
                    WatchOption.builder().isPrefix(true).build(), response -> {
                        long now = System.nanoTime();
                        for (WatchEvent e : response.getEvents()) {
                            String v = e.getKeyValue().getValue().toString(StandardCharsets.UTF_8);
                            int seq = Integer.parseInt(v.substring(0, v.indexOf(':')));
                            long acked = ackedAt.get(seq);
                            if (seq >= measuredFrom && acked > 0) {
                                lag.recordValue(Math.max(0, (now - acked) / 1_000_000));
                                mirrored.incrementAndGet();
                            }
                        }
                    });
            Recorder latency = new Recorder(60_000_000L, 3);
            Semaphore inFlight = new Semaphore(2_000);
            AtomicLong ackedCount = new AtomicLong();
            String padding = "x".repeat(valueBytes);
            long start = System.nanoTime();
            for (int i = 0; i < total; i++) {
                long due = start + i * 1_000_000_000L / rate;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                inFlight.acquire();
                int seq = i;
                kv.put(bytes("bench/k" + (i % keys)), bytes(seq + ":" + padding)).whenComplete((r, e) -> {
                    long now = System.nanoTime();
                    if (e == null) {
                        ackedAt.set(seq, now);
                        if (seq >= measuredFrom) {
                            latency.recordValue(Math.max(0, (now - due) / 1_000));
                            ackedCount.incrementAndGet();
                        }
                    }
                    inFlight.release();
                });
            }
            inFlight.acquire(2_000);
            try {
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                        .until(() -> mirrored.get() >= ackedCount.get());
            } catch (org.awaitility.core.ConditionTimeoutException behind) {
                // the mirror did not catch up within a minute: report what it did mirror
            }
            watcher.close();
            return new Result(latency.getIntervalHistogram(), lag.getIntervalHistogram(), ackedCount.get(), mirrored.get());
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        if (mirror != null) {
            mirror.destroyForcibly();
        }
        a.close();
        b.close();
    }
}
