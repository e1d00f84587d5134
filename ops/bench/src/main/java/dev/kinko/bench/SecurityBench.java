package dev.kinko.bench;

import com.google.protobuf.ByteString;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.SecretsServiceGrpc;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What TLS, authentication, the policy check and the audit log cost: two 3-node regions run side
 * by side, each its own {@code kinko dev} processes: one from this checkout (everything on) and
 * one from the last build before security (plaintext, no checks, no audit). The same closed-loop
 * load goes to each in alternating rounds of one run, so machine noise hits both alike; the
 * report is the ratio secured/baseline for 512-byte writes and linearizable reads.
 *
 * <p>Arguments: the secured jar, the baseline jar ({@code -} for none: the secured region alone,
 * to profile it), clients, seconds per round, rounds.
 */
public final class SecurityBench {
    static final int SECRETS = 256;
    static final int VALUE_BYTES = 512;

    /** One deployment under test: its processes and how to talk to it. */
    record Deployment(String label, Process dev, ManagedChannel channel, Metadata headers) {
        SecretsServiceGrpc.SecretsServiceBlockingStub stub() {
            return BenchChannels.with(SecretsServiceGrpc.newBlockingStub(channel), headers);
        }
    }

    public static void main(String[] args) throws Exception {
        Path securedJar = Path.of(args[0]);
        Path baselineJar = Path.of(args[1]);
        int clients = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        System.out.printf("security bench: %d closed-loop clients, %d rounds of %d s per variant and workload, "
                + "%d-byte values on %d secrets, 3 nodes per region, nodes run by kinko dev (-XX:TieredStopAtLevel=1 -Xmx512m)%n",
                clients, rounds, seconds, VALUE_BYTES, SECRETS);
        System.out.println("driver JVM: " + Runtime.version() + " " + ManagementFactory.getRuntimeMXBean().getInputArguments()
                + ", cores " + Runtime.getRuntime().availableProcessors());
        WorkDir work = WorkDir.create("kinko-bench-security");
        Path dir = work.path();
        List<Deployment> deployments = new java.util.concurrent.CopyOnWriteArrayList<>();
        // a bench stopped by Ctrl-C stops its node processes too
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deployments.forEach(d -> d.dev().destroy())));
        try {
            // kinko dev puts Raft ports 1000 and metrics ports 2000 above the client ports: 3000 apart
            if (!baselineJar.toString().equals("-")) { // "-": the secured region alone, to profile it
                deployments.add(start("baseline", baselineJar, dir.resolve("baseline"), 21101));
            }
            deployments.add(start("secured", securedJar, dir.resolve("secured"), 24101));
            byte[] value = new byte[VALUE_BYTES];
            new java.util.Random(1).nextBytes(value);
            for (Deployment d : deployments) {
                for (int i = 0; i < SECRETS; i++) {
                    d.stub().withDeadlineAfter(30, TimeUnit.SECONDS).createSecret(CreateSecretRequest.newBuilder()
                            .setName("bench/s" + i).setSecretBinary(ByteString.copyFrom(value)).build());
                }
                run(d, clients, seconds, true, value, new Recorder(3)); // warm-up
                run(d, clients, seconds, false, value, new Recorder(3));
            }
            for (boolean writes : new boolean[] {true, false}) {
                Map<String, Recorder> latency = new LinkedHashMap<>();
                Map<String, Long> done = new LinkedHashMap<>();
                for (Deployment d : deployments) {
                    latency.put(d.label(), new Recorder(3));
                    done.put(d.label(), 0L);
                }
                for (int r = 0; r < rounds; r++) {
                    List<Deployment> order = new ArrayList<>(deployments);
                    if (r % 2 == 1) {
                        java.util.Collections.reverse(order); // who goes first alternates too
                    }
                    for (Deployment d : order) {
                        done.merge(d.label(), run(d, clients, seconds, writes, value, latency.get(d.label())), Long::sum);
                    }
                }
                String what = writes ? "writes (PutSecretValue)" : "reads (GetSecretValue, linearizable)";
                Map<String, double[]> figures = new LinkedHashMap<>();
                for (Deployment d : deployments) {
                    Histogram h = latency.get(d.label()).getIntervalHistogram();
                    double rate = done.get(d.label()) / (double) (rounds * seconds);
                    figures.put(d.label(), new double[] {rate, h.getValueAtPercentile(50) / 1000.0,
                            h.getValueAtPercentile(99) / 1000.0});
                    System.out.printf("%-8s %-38s %6.0f/s  p50 %5.1f ms  p99 %6.1f ms%n", d.label(), what, rate,
                            h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0);
                }
                double[] b = figures.get("baseline");
                double[] s = figures.get("secured");
                if (b == null) {
                    continue;
                }
                System.out.printf("ratio secured/baseline, %s: throughput %.2f, p50 %.2f, p99 %.2f%n", what,
                        s[0] / b[0], s[1] / b[1], s[2] / b[2]);
            }
        } finally {
            for (Deployment d : deployments) {
                d.channel().shutdownNow();
                d.dev().destroy();
                if (!d.dev().waitFor(30, TimeUnit.SECONDS)) {
                    d.dev().destroyForcibly();
                }
            }
            work.close();
        }
    }

    /** Starts {@code kinko dev --regions tokyo} from a jar and waits for its env file. */
    static Deployment start(String label, Path jar, Path data, int port) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Files.createDirectories(data);
        Process dev = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-jar", jar.toString(), "dev", "--regions", "tokyo",
                "--data", data.toString(), "--client-port", String.valueOf(port))
                .redirectErrorStream(true).redirectOutput(data.resolve("dev.log").toFile()).start();
        Path env = data.resolve("tokyo.env");
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (!Files.exists(env) || !Files.readString(env).contains("KINKO_ADDR")) {
            if (!dev.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException(label + " did not start; see " + data.resolve("dev.log"));
            }
            Thread.sleep(200);
        }
        Map<String, String> vars = new LinkedHashMap<>();
        for (String line : Files.readAllLines(env)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                vars.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        Metadata headers = new Metadata();
        ChannelCredentials creds = InsecureChannelCredentials.create();
        if (vars.containsKey("KINKO_TOKEN")) {
            creds = BenchChannels.tlsTrusting(Path.of(vars.get("KINKO_CACERT")));
            headers = BenchChannels.bearer(vars.get("KINKO_TOKEN"));
        }
        // every call goes to the leader (no forwarding in either variant), found through the region's status;
        // an older kinko dev writes its env file before the region is up, so ask until it answers
        ManagedChannel first = Grpc.newChannelBuilder(vars.get("KINKO_ADDR").split(",")[0], creds).build();
        String leader = null;
        try {
            while ((leader = BenchChannels.leaderClientAddress(first, headers)) == null) {
                if (!dev.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException(label + " elected no leader; see " + data.resolve("dev.log"));
                }
                Thread.sleep(500);
            }
        } finally {
            first.shutdownNow();
        }
        ManagedChannel channel = Grpc.newChannelBuilder(leader, creds).build();
        System.out.println(label + ": " + jar + ", leader " + leader + (vars.containsKey("KINKO_TOKEN")
                ? " (TLS, token, policy check, audit)" : " (plaintext, no checks)"));
        return new Deployment(label, dev, channel, headers);
    }

    /** Closed loop: each client sends its next call when the last one is answered. Returns calls answered. */
    static long run(Deployment d, int clients, int seconds, boolean writes, byte[] value, Recorder latencies)
            throws InterruptedException {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong done = new AtomicLong();
        CountDownLatch finished = new CountDownLatch(clients);
        ByteString bytes = ByteString.copyFrom(value);
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread t = new Thread(() -> {
                SecretsServiceGrpc.SecretsServiceBlockingStub stub = d.stub();
                long n = 0;
                try {
                    while (running.get()) {
                        String name = "bench/s" + ((client * 7919 + n) % SECRETS);
                        long start = System.nanoTime();
                        if (writes) {
                            stub.withDeadlineAfter(10, TimeUnit.SECONDS).putSecretValue(PutSecretValueRequest.newBuilder()
                                    .setSecretId(name).setSecretBinary(bytes).build());
                        } else {
                            stub.withDeadlineAfter(10, TimeUnit.SECONDS).getSecretValue(GetSecretValueRequest.newBuilder()
                                    .setSecretId(name).build());
                        }
                        latencies.recordValue((System.nanoTime() - start) / 1_000);
                        done.incrementAndGet();
                        n++;
                    }
                } catch (RuntimeException e) {
                    System.out.println(d.label() + " client " + client + " stopped: " + e.getMessage());
                } finally {
                    finished.countDown();
                }
            }, "bench-client-" + c);
            t.setDaemon(true);
            t.start();
        }
        Thread.sleep(seconds * 1000L); // the measured interval itself (a benchmark, not a test)
        running.set(false);
        finished.await(30, TimeUnit.SECONDS);
        return done.get();
    }
}
