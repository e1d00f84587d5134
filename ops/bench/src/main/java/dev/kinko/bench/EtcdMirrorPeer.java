package dev.kinko.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
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
    private final List<Process> processes = new ArrayList<>();
    private final String a;
    private final String b;

    private EtcdMirrorPeer(Path dir) throws IOException, InterruptedException {
        this.dir = dir;
        this.a = cluster("a");
        this.b = cluster("b");
    }

    static boolean available() {
        return Files.isExecutable(Path.of("/usr/bin/etcd")) && Files.isExecutable(Path.of("/usr/bin/etcdctl"));
    }

    static EtcdMirrorPeer start(Path dir) throws IOException, InterruptedException {
        return new EtcdMirrorPeer(dir);
    }

    /** Starts a 3-member cluster; returns its client endpoints. */
    private String cluster(String name) throws IOException {
        int[] client = new int[3];
        int[] peer = new int[3];
        for (int i = 0; i < 3; i++) {
            client[i] = freePort();
            peer[i] = freePort();
        }
        StringBuilder initial = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            initial.append(i == 0 ? "" : ",").append(name).append(i).append("=http://127.0.0.1:").append(peer[i]);
        }
        for (int i = 0; i < 3; i++) {
            Path data = dir.resolve(name + i);
            processes.add(new ProcessBuilder("/usr/bin/etcd", "--name", name + i, "--data-dir", data.toString(),
                    "--listen-client-urls", "http://127.0.0.1:" + client[i],
                    "--advertise-client-urls", "http://127.0.0.1:" + client[i],
                    "--listen-peer-urls", "http://127.0.0.1:" + peer[i],
                    "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer[i],
                    "--initial-cluster", initial.toString(), "--initial-cluster-state", "new",
                    "--initial-cluster-token", "bench-" + name)
                    .redirectErrorStream(true).redirectOutput(dir.resolve(name + i + ".log").toFile()).start());
        }
        return java.util.Arrays.stream(client).mapToObj(p -> "http://127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    Result run(int rate, int seconds, int warmup, int valueBytes, int keys) throws Exception {
        try (Client source = Client.builder().endpoints(a.split(",")).build();
             Client destination = Client.builder().endpoints(b.split(",")).build()) {
            KV kv = source.getKVClient();
            kv.put(bytes("bench/ready"), bytes("1")).get(60, TimeUnit.SECONDS);
            destination.getKVClient().get(bytes("bench/ready")).get(60, TimeUnit.SECONDS);
            ProcessBuilder mirror = new ProcessBuilder("/usr/bin/etcdctl", "--endpoints", a, "make-mirror", "--prefix",
                    "bench/", b.split(",")[0]).redirectErrorStream(true).redirectOutput(dir.resolve("mirror.log").toFile());
            mirror.environment().put("ETCDCTL_API", "3");
            processes.add(mirror.start());
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

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        processes.forEach(Process::destroy);
        for (Process p : processes) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
    }
}
