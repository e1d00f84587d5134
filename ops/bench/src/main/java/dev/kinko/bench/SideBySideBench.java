package dev.kinko.bench;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import dev.kinko.proto.v1.AccessServiceGrpc;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.CreateTokenRequest;
import dev.kinko.proto.v1.GetRegionStatusRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.PutPolicyRequest;
import dev.kinko.proto.v1.PutRegionLinkRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.ReadConsistency;
import dev.kinko.proto.v1.RegionLinkStatus;
import dev.kinko.proto.v1.SecretsServiceGrpc;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * Kinko against etcd on the same machine, in the same run (issue 13): a 3-node Kinko region (TLS,
 * tokens, the policy check and the audit log on, nodes started as the systemd unit starts them) and
 * a 3-member etcd 3.4, both as separate processes on loopback, driven by the same closed loops of
 * generated async gRPC stubs ({@code KVGrpc} for etcd, not jetcd's client). Rounds alternate which
 * system goes first. Writes go to the leader; reads go round-robin over the members.
 *
 * <p>Arguments: kinko.jar, results dir, [rounds] [warm-up s] [measured s]; defaults 2 3 10.
 */
public final class SideBySideBench {
    static final int KEYS = 1_000;
    static final int VALUE_BYTES = 512;
    static final int LAG_RATE = 500;
    static final Duration FAILOVER_WITHIN = Duration.ofSeconds(60);

    enum Kind { WRITE, READ_LINEARIZABLE, READ_LOCAL, MIXED_90_READS }

    /** BENCH_ETCD=secured: etcd with TLS and authentication on, as Kinko runs (the default is etcd's defaults). */
    static final boolean ETCD_SECURED = "secured".equals(System.getenv("BENCH_ETCD"));
    /**
     * BENCH_CALLER=service: Kinko's workloads call with a service's token, whose policy the check
     * evaluates on every call, as services call; the default is the root token, which the check
     * allows without reading a policy.
     */
    static final boolean SERVICE_CALLER = "service".equals(System.getenv("BENCH_CALLER"));
    /** The service's policy: the bench's secrets and calls, nothing else. */
    static final String SERVICE_POLICY = "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", "
            + "\"Action\": [\"secretsmanager:CreateSecret\", \"secretsmanager:GetSecretValue\", "
            + "\"secretsmanager:PutSecretValue\"], \"Resource\": \"bench/*\"}]}";

    record Workload(String name, Kind kind, int inFlight) {}

    /** Issue 13's targets, each against etcd in the same run: throughput at least this share of etcd's. */
    static final double TARGET_THROUGHPUT_RATIO = 1.0;
    /** Writes at 1 in flight: at least this share of etcd's. */
    static final double TARGET_SEQUENTIAL_WRITES_RATIO = 0.8;
    /** RSS per node: at most this multiple of an etcd member's. */
    static final double TARGET_RSS_RATIO = 1.5;
    /** Replication lag p99 at {@link #LAG_RATE} writes/s: under this. */
    static final long TARGET_LAG_P99_MS = 200;
    /** Failover, leader kill -9 to the first acknowledged write: under this. */
    static final double TARGET_FAILOVER_SECONDS = 3.0;

    static final List<Workload> WORKLOADS = List.of(
            new Workload("writes, 1 in flight", Kind.WRITE, 1),
            new Workload("writes, 64 in flight", Kind.WRITE, 64),
            new Workload("writes, 256 in flight", Kind.WRITE, 256),
            new Workload("linearizable reads, 64 in flight", Kind.READ_LINEARIZABLE, 64),
            new Workload("local (serializable) reads, 64 in flight", Kind.READ_LOCAL, 64),
            new Workload("90 % reads (linearizable), 64 in flight", Kind.MIXED_90_READS, 64));

    /** One system under test, as the load sees it. */
    interface Side {
        String name();

        ListenableFuture<?> write(long n, ByteString value);

        ListenableFuture<?> read(long n, boolean linearizable);

        /** Server processes, by member name. */
        Map<String, Long> pids();
    }

    /** What one workload run measured on one side. */
    record Run(ClosedLoop.Result load, Map<String, Double> serverCpu, double clientCpu) {}

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]);
        Path results = Path.of(args[1]);
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Duration warmup = Duration.ofSeconds(args.length > 3 ? Integer.parseInt(args[3]) : 3);
        Duration measure = Duration.ofSeconds(args.length > 4 ? Integer.parseInt(args[4]) : 10);
        if (!EtcdCluster.available()) {
            throw new IllegalStateException("etcd is not installed (apt-get install etcd-server etcd-client)");
        }
        try (WorkDir dir = WorkDir.create("kinko-bench-etcd-side-by-side")) {
            benchmark(jar, results, rounds, warmup, measure, dir.path());
        }
    }

    private static void benchmark(Path jar, Path results, int rounds, Duration warmup, Duration measure, Path work) throws Exception {
        // a part of a name: profile those workloads only; "none": no workload, the other measures only
        String only = System.getenv().getOrDefault("BENCH_WORKLOADS", "");
        Report report = new Report(rounds, warmup, measure);
        List<AutoCloseable> running = new ArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> closeAll(running)));
        try {
            EtcdSide etcd = EtcdSide.start(jar, work.resolve("etcd"), ETCD_SECURED, report);
            running.add(etcd.cluster);
            KinkoSide kinko = KinkoSide.start(jar, work, report);
            running.add(kinko.region);
            byte[] value = new byte[VALUE_BYTES];
            new Random(1).nextBytes(value);
            ByteString bytes = ByteString.copyFrom(value);
            log("loading %,d keys of %d bytes into each", KEYS, VALUE_BYTES);
            preload(kinko, bytes);
            preload(etcd, bytes);
            Map<String, Long> kinkoDiskBefore = kinko.diskBytes();
            Map<String, Long> etcdDiskBefore = etcd.diskBytes();
            long[] writesAcked = new long[2];
            List<Workload> workloads = WORKLOADS.stream().filter(w -> w.name().contains(only)).toList();
            for (int r = 0; r < rounds; r++) {
                for (int w = 0; w < workloads.size(); w++) {
                    Workload workload = workloads.get(w);
                    List<Side> order = (r + w) % 2 == 0 ? List.of(kinko, etcd) : List.of(etcd, kinko);
                    for (Side side : order) {
                        log("round %d: %s on %s", r + 1, workload.name(), side.name());
                        Run run = run(side, workload, bytes, warmup, measure);
                        report.add(r, workload, side.name(), run);
                        if (workload.kind() == Kind.WRITE) {
                            // the warm-up's writes land on disk too: count every write sent in the run
                            writesAcked[side == kinko ? 0 : 1] += Math.round(run.load().calls()
                                    * (warmup.toNanos() + measure.toNanos()) / (double) measure.toNanos());
                        }
                    }
                }
            }
            if (only.isEmpty() || only.equals("none")) { // else a profiling run: the workloads only
                report.memory(kinko.name(), kinko.rss());
                report.memory(etcd.name(), etcd.rss());
                report.disk(kinko.name(), kinkoDiskBefore, kinko.diskBytes(), writesAcked[0]);
                report.disk(etcd.name(), etcdDiskBefore, etcd.diskBytes(), writesAcked[1]);
                log("failover: kill -9 of each leader, then writes until one is acknowledged");
                report.failover(kinko.name(), kinko.failover());
                report.failover(etcd.name(), etcd.failover());
                log("replication lag at %d writes/s", LAG_RATE);
                report.lag(kinko.name(), kinko.lag(work, warmup, measure, bytes));
                try (EtcdMirrorPeer mirror = EtcdMirrorPeer.start(work.resolve("etcd-mirror"))) {
                    EtcdMirrorPeer.Result m = mirror.run(LAG_RATE, (int) measure.toSeconds(), (int) warmup.toSeconds(),
                            VALUE_BYTES, KEYS);
                    report.lag(etcd.name(), m.lagMillis());
                }
            }
        } finally {
            closeAll(running);
        }
        String text = report.markdown();
        System.out.println(text);
        if (!only.isEmpty()) {
            return; // a profiling run is not a report
        }
        Files.createDirectories(results);
        Path file = results.resolve("etcd-side-by-side-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                .withZone(ZoneOffset.UTC).format(Instant.now()) + ".md");
        Files.writeString(file, text);
        System.out.println("report: " + file);
    }

    private static void closeAll(List<AutoCloseable> running) {
        for (AutoCloseable c : List.copyOf(running)) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort on the way out
            }
        }
        running.clear();
    }

    static void log(String format, Object... args) {
        System.err.printf(Locale.ROOT, "[%s] %s%n", Instant.now().toString().substring(11, 19), String.format(Locale.ROOT, format, args));
    }

    static String key(long n) {
        return String.format(Locale.ROOT, "bench/k%04d", n % KEYS);
    }

    private static void preload(Side side, ByteString value) throws InterruptedException {
        ClosedLoop.Result r = ClosedLoop.run(64, Duration.ZERO, Duration.ofSeconds(60),
                n -> side instanceof KinkoSide k ? k.create(n, value) : side.write(n, value), KEYS);
        if (r.calls() < KEYS) {
            throw new IllegalStateException(side.name() + ": only " + r.calls() + " keys loaded: " + r.firstError());
        }
    }

    private static Run run(Side side, Workload w, ByteString value, Duration warmup, Duration measure)
            throws InterruptedException {
        Map<String, Long> pids = side.pids();
        Map<String, Long> before = new LinkedHashMap<>();
        pids.forEach((name, pid) -> before.put(name, Cpu.ofProcess(pid)));
        long clientBefore = Cpu.ofThisProcess();
        long wallBefore = System.nanoTime();
        ClosedLoop.Result load = ClosedLoop.run(w.inFlight(), warmup, measure, n -> switch (w.kind()) {
            case WRITE -> side.write(n, value);
            case READ_LINEARIZABLE -> side.read(n, true);
            case READ_LOCAL -> side.read(n, false);
            case MIXED_90_READS -> n % 10 == 9 ? side.write(n, value) : side.read(n, true);
        });
        double wall = System.nanoTime() - wallBefore;
        Map<String, Double> cpu = new LinkedHashMap<>();
        pids.forEach((name, pid) -> cpu.put(name, (Cpu.ofProcess(pid) - before.get(name)) / wall));
        return new Run(load, cpu, (Cpu.ofThisProcess() - clientBefore) / wall);
    }

    /** Kinko: one region of three node processes from the jar, as ops/systemd starts them. */
    static final class KinkoSide implements Side {
        final LocalRegion region;
        private final LocalRegion.Node leader;
        private final SecretsServiceGrpc.SecretsServiceFutureStub toLeader;
        private final List<SecretsServiceGrpc.SecretsServiceFutureStub> toEach = new ArrayList<>();
        private final Path jar;
        private final Path pki;
        /** The headers the workloads call with: root's token, or a service's (BENCH_CALLER=service). */
        private final Metadata caller;

        private KinkoSide(LocalRegion region, Path jar, Path pki, Metadata caller) throws InterruptedException {
            this.region = region;
            this.jar = jar;
            this.pki = pki;
            this.caller = caller;
            this.leader = region.awaitLeader(Deadline.after(Duration.ofMinutes(1), "a leader in tokyo"));
            this.toLeader = stub(leader);
            region.nodes().forEach(n -> toEach.add(stub(n)));
        }

        private SecretsServiceGrpc.SecretsServiceFutureStub stub(LocalRegion.Node n) {
            return BenchChannels.with(SecretsServiceGrpc.newFutureStub(region.channel(n)), caller);
        }

        /** Root puts {@link #SERVICE_POLICY} and creates a token that carries it: a service's headers. */
        private Metadata serviceCaller() {
            AccessServiceGrpc.AccessServiceBlockingStub access = BenchChannels.with(
                    AccessServiceGrpc.newBlockingStub(region.channel(leader)), region.headers())
                    .withDeadlineAfter(30, TimeUnit.SECONDS);
            access.putPolicy(PutPolicyRequest.newBuilder().setName("bench-service").setDocument(SERVICE_POLICY).build());
            return BenchChannels.bearer(access.createToken(CreateTokenRequest.newBuilder().addPolicies("bench-service")
                    .setName("bench-service").build()).getToken());
        }

        static KinkoSide start(Path jar, Path work, Report report) throws Exception {
            Path pki = work.resolve("pki");
            LocalRegion.initPki(jar, pki);
            LocalRegion region = LocalRegion.create("tokyo", 3, jar, pki, work.resolve("kinko"), work.resolve("logs"),
                    work.resolve("node.pids"));
            region.nodeJvmFlags(nodeFlags(region.nodeJvmFlags(), work.resolve("logs")));
            // not yet in the caller's list of what to stop: a start that fails stops its nodes here
            try {
                long t0 = System.nanoTime();
                region.startAll();
                region.awaitReady(Duration.ofMinutes(3));
                KinkoSide side = new KinkoSide(region, jar, pki, region.headers());
                side.firstWrite(Duration.ofMinutes(1));
                if (SERVICE_CALLER) {
                    side = new KinkoSide(region, jar, pki, side.serviceCaller());
                }
                report.startup("kinko", (System.nanoTime() - t0) / 1e9);
                report.kinkoFlags(region.nodeJvmFlags().stream().filter(f -> !f.startsWith("-XX:SharedArchiveFile")
                        && !f.startsWith("-Xshare")).toList());
                return side;
            } catch (Exception | Error e) {
                region.close();
                throw e;
            }
        }

        /**
         * The node JVM flags: KINKO_NODE_FLAGS replaces the unit's heap and compiler flags (to compare
         * C1 with C2, say); KINKO_NODE_JFR=1 adds a profiling flight recording per node into {@code logs}.
         */
        static List<String> nodeFlags(List<String> flags, Path logs) {
            List<String> out = new ArrayList<>(flags);
            String replace = System.getenv("KINKO_NODE_FLAGS");
            if (replace != null && !replace.isBlank()) {
                out.removeAll(LocalRegion.NODE_JVM_FLAGS);
                out.addAll(0, List.of(replace.trim().split("\\s+")));
            }
            if ("1".equals(System.getenv("KINKO_NODE_JFR"))) {
                out.add("-XX:StartFlightRecording=settings=profile,filename=" + logs + "/");
            }
            return out;
        }

        private void firstWrite(Duration within) throws InterruptedException {
            Deadline d = Deadline.after(within, "the first write");
            while (true) {
                try {
                    BenchChannels.with(SecretsServiceGrpc.newBlockingStub(region.channel(leader)), region.headers())
                            .withDeadlineAfter(5, TimeUnit.SECONDS).createSecret(CreateSecretRequest.newBuilder()
                                    .setName("bench/first").setSecretString("1").build());
                    return;
                } catch (StatusRuntimeException e) {
                    d.check("the first write: " + e.getStatus());
                    Thread.sleep(20);
                }
            }
        }

        @Override
        public String name() {
            return "kinko";
        }

        ListenableFuture<?> create(long n, ByteString value) {
            return toLeader.withDeadlineAfter(30, TimeUnit.SECONDS).createSecret(CreateSecretRequest.newBuilder()
                    .setName(key(n)).setSecretBinary(value).build());
        }

        @Override
        public ListenableFuture<?> write(long n, ByteString value) {
            return toLeader.withDeadlineAfter(10, TimeUnit.SECONDS).putSecretValue(PutSecretValueRequest.newBuilder()
                    .setSecretId(key(n)).setSecretBinary(value).build());
        }

        @Override
        public ListenableFuture<?> read(long n, boolean linearizable) {
            return toEach.get((int) (n % toEach.size())).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getSecretValue(GetSecretValueRequest.newBuilder().setSecretId(key(n))
                            .setConsistency(linearizable ? ReadConsistency.READ_CONSISTENCY_LINEARIZABLE
                                    : ReadConsistency.READ_CONSISTENCY_LOCAL).build());
        }

        @Override
        public Map<String, Long> pids() {
            Map<String, Long> out = new LinkedHashMap<>();
            region.nodes().forEach(n -> region.pid(n).ifPresent(p -> out.put(n.id() + (n.equals(leader) ? " (leader)" : ""), p)));
            return out;
        }

        Map<String, Long> rss() {
            Map<String, Long> out = new LinkedHashMap<>();
            region.nodes().forEach(n -> region.rssBytes(n).ifPresent(b -> out.put(n.id(), b)));
            return out;
        }

        Map<String, Long> diskBytes() {
            Map<String, Long> out = new LinkedHashMap<>();
            region.nodes().forEach(n -> out.put(n.id(), Disk.bytes(n.dataDir())));
            return out;
        }

        /** Seconds from kill -9 of the leader to the first write acknowledged (sent to the survivors in turn). */
        double failover() throws Exception {
            LocalRegion.Node old = region.awaitLeader(Deadline.after(Duration.ofMinutes(1), "a leader"));
            List<LocalRegion.Node> survivors = region.nodes().stream().filter(n -> !n.equals(old)).toList();
            region.kill9(old);
            long t0 = System.nanoTime();
            Deadline d = Deadline.after(FAILOVER_WITHIN, "a write after the leader's death");
            for (int i = 0; ; i++) {
                try {
                    region.secrets(survivors.get(i % survivors.size())).withDeadlineAfter(1, TimeUnit.SECONDS)
                            .putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(key(i))
                                    .setSecretString("after-failover").build());
                    break;
                } catch (StatusRuntimeException e) {
                    d.check("failover: " + e.getStatus());
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            region.start(old);
            region.awaitReady(Duration.ofMinutes(2));
            return seconds;
        }

        /**
         * Replication lag tokyo -> osaka at a steady rate: the lag tokyo's shipper records per change
         * (applied in tokyo to acknowledged by osaka), from the kinko_replication_delay histogram.
         */
        Histogram lag(Path work, Duration warmup, Duration measure, ByteString value) throws Exception {
            try (LocalRegion osaka = LocalRegion.create("osaka", 3, jar, pki, work.resolve("kinko-osaka"),
                    work.resolve("logs"), work.resolve("node.pids"))) {
                osaka.startAll();
                osaka.awaitReady(Duration.ofMinutes(3));
                LocalRegion.Node l = region.awaitLeader(Deadline.after(Duration.ofMinutes(1), "a leader"));
                region.admin(l).withDeadlineAfter(30, TimeUnit.SECONDS).putRegionLink(PutRegionLinkRequest.newBuilder()
                        .setRegion("osaka").addAllAddresses(osaka.addresses()).build());
                SecretsServiceGrpc.SecretsServiceFutureStub stub = stub(l);
                ClosedLoop.Result created = ClosedLoop.run(64, Duration.ZERO, Duration.ofSeconds(60), n -> stub
                        .withDeadlineAfter(30, TimeUnit.SECONDS).createSecret(CreateSecretRequest.newBuilder()
                                .setName("lag/k" + n).setSecretBinary(value).addAddReplicaRegions("osaka").build()), KEYS);
                if (created.calls() < KEYS) {
                    throw new IllegalStateException("lag: only " + created.calls() + " secrets made: " + created.firstError());
                }
                OpenLoop.run(LAG_RATE, warmup, n -> stub.withDeadlineAfter(10, TimeUnit.SECONDS).putSecretValue(
                        PutSecretValueRequest.newBuilder().setSecretId("lag/k" + (n % KEYS)).setSecretBinary(value).build()));
                awaitInSync(l);
                Map<Double, Double> before = delayBuckets();
                OpenLoop.run(LAG_RATE, measure, n -> stub.withDeadlineAfter(10, TimeUnit.SECONDS).putSecretValue(
                        PutSecretValueRequest.newBuilder().setSecretId("lag/k" + (n % KEYS)).setSecretBinary(value).build()));
                awaitInSync(l);
                return Buckets.histogramMillis(before, delayBuckets());
            }
        }

        private void awaitInSync(LocalRegion.Node l) throws InterruptedException {
            Deadline d = Deadline.after(Duration.ofMinutes(2), "osaka catching up");
            while (true) {
                RegionLinkStatus link = region.admin(l).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .getRegionStatus(GetRegionStatusRequest.getDefaultInstance()).getLinks(0);
                if (link.getWatermark() == link.getJournalHead()) {
                    return;
                }
                d.check("waiting for osaka: watermark " + link.getWatermark() + " of " + link.getJournalHead());
                Thread.sleep(100);
            }
        }

        /** kinko_replication_delay buckets (le in seconds -> cumulative count), summed over tokyo's nodes. */
        private Map<Double, Double> delayBuckets() {
            Map<Double, Double> out = new java.util.TreeMap<>();
            for (LocalRegion.Node n : region.nodes()) {
                for (LocalRegion.Sample s : region.scrape(n)) {
                    if (s.name().equals("kinko_replication_delay_seconds_bucket") && s.labels().contains("link=\"osaka\"")) {
                        out.merge(Buckets.le(s.labels()), s.value(), Double::sum);
                    }
                }
            }
            return out;
        }
    }

    /** etcd: one 3-member cluster, spoken to with the generated KV stubs of jetcd-grpc. */
    static final class EtcdSide implements Side {
        final EtcdCluster cluster;
        private final String password = java.util.UUID.randomUUID().toString();
        private int leader;

        private EtcdSide(EtcdCluster cluster) {
            this.cluster = cluster;
        }

        /**
         * Starts etcd with its defaults, or {@code secured} as Kinko runs: TLS on every port (its
         * certificates made by the jar's {@code kinko pki}), authentication on, root's token on every call.
         */
        static EtcdSide start(Path jar, Path dir, boolean secured, Report report) throws Exception {
            EtcdCluster.Tls tls = null;
            if (secured) {
                Path pki = dir.resolveSibling("etcd-pki");
                LocalRegion.initPki(jar, pki);
                for (int i = 0; i < 3; i++) {
                    LocalRegion.kinko(jar, "pki", "issue", "node", "etcd" + i, "--region", "etcd", "--dir", pki.toString());
                }
                tls = new EtcdCluster.Tls(pki.resolve("ca.crt"), pki.resolve("nodes"));
            }
            long t0 = System.nanoTime();
            EtcdSide side = new EtcdSide(EtcdCluster.start("etcd", dir, 3, tls));
            try { // a start that fails stops its members here, as KinkoSide's does
                side.leader = side.awaitLeader(Deadline.after(Duration.ofMinutes(1), "an etcd leader"));
                if (secured) {
                    side.cluster.enableAuthentication(side.leader, side.password);
                }
                Deadline d = Deadline.after(Duration.ofMinutes(1), "etcd's first write");
                while (true) {
                    try {
                        KVGrpc.newBlockingStub(side.cluster.channel(side.leader)).withDeadlineAfter(5, TimeUnit.SECONDS)
                                .put(put("bench/first", ByteString.copyFromUtf8("1")));
                        break;
                    } catch (StatusRuntimeException e) {
                        d.check("etcd's first write: " + e.getStatus());
                        Thread.sleep(20);
                    }
                }
                report.startup("etcd", (System.nanoTime() - t0) / 1e9);
                return side;
            } catch (Exception | Error e) {
                side.cluster.close();
                throw e;
            }
        }

        private int awaitLeader(Deadline d) throws InterruptedException {
            while (true) {
                OptionalInt l = cluster.leader();
                if (l.isPresent()) {
                    return l.getAsInt();
                }
                d.check("waiting for an etcd leader");
                Thread.sleep(50);
            }
        }

        private static PutRequest put(String key, ByteString value) {
            return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(value).build();
        }

        @Override
        public String name() {
            return "etcd";
        }

        @Override
        public ListenableFuture<?> write(long n, ByteString value) {
            return KVGrpc.newFutureStub(cluster.channel(leader)).withDeadlineAfter(10, TimeUnit.SECONDS).put(put(key(n), value));
        }

        @Override
        public ListenableFuture<?> read(long n, boolean linearizable) {
            return KVGrpc.newFutureStub(cluster.channel((int) (n % cluster.size()))).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key(n))).setSerializable(!linearizable).build());
        }

        @Override
        public Map<String, Long> pids() {
            Map<String, Long> out = new LinkedHashMap<>();
            for (int i = 0; i < cluster.size(); i++) {
                out.put("etcd" + i + (i == leader ? " (leader)" : ""), cluster.pid(i));
            }
            return out;
        }

        Map<String, Long> rss() {
            Map<String, Long> out = new LinkedHashMap<>();
            for (int i = 0; i < cluster.size(); i++) {
                LocalRegion.rssBytes(cluster.pid(i)).ifPresent(b -> out.put("etcd" + out.size(), b));
            }
            return out;
        }

        Map<String, Long> diskBytes() {
            Map<String, Long> out = new LinkedHashMap<>();
            for (int i = 0; i < cluster.size(); i++) {
                out.put("etcd" + i, Disk.bytes(cluster.dataDir(i)));
            }
            return out;
        }

        double failover() throws Exception {
            int old = awaitLeader(Deadline.after(Duration.ofMinutes(1), "an etcd leader"));
            cluster.kill9(old);
            long t0 = System.nanoTime();
            Deadline d = Deadline.after(FAILOVER_WITHIN, "an etcd write after the leader's death");
            for (int i = 0; ; i++) {
                int member = (old + 1 + i % 2) % cluster.size();
                try {
                    KVGrpc.newBlockingStub(cluster.channel(member)).withDeadlineAfter(1, TimeUnit.SECONDS)
                            .put(put(key(i), ByteString.copyFromUtf8("after-failover")));
                    break;
                } catch (StatusRuntimeException e) {
                    d.check("etcd failover: " + e.getStatus());
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            cluster.start(old);
            leader = awaitLeader(Deadline.after(Duration.ofMinutes(1), "an etcd leader"));
            if (cluster.secured()) {
                cluster.logIn(leader, password);
            }
            return seconds;
        }
    }

    /** Open loop: call n is due at start + n/rate, whatever the earlier ones did (at most 2,000 outstanding). */
    static final class OpenLoop {
        static long run(int rate, Duration length, LongFunction<ListenableFuture<?>> call) throws InterruptedException {
            Semaphore inFlight = new Semaphore(2_000);
            AtomicLong failed = new AtomicLong();
            long total = rate * length.toSeconds();
            long start = System.nanoTime();
            for (long n = 0; n < total; n++) {
                long wait = start + n * 1_000_000_000L / rate - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                inFlight.acquire();
                ListenableFuture<?> f = call.apply(n);
                f.addListener(() -> {
                    try {
                        f.get();
                    } catch (Exception e) {
                        failed.incrementAndGet();
                    }
                    inFlight.release();
                }, com.google.common.util.concurrent.MoreExecutors.directExecutor());
            }
            inFlight.acquire(2_000);
            inFlight.release(2_000);
            return failed.get();
        }
    }

    /** CPU time of processes, from /proc (Linux), and this JVM's own. */
    static final class Cpu {
        static final double TICK_NANOS = 1e9 / 100; // USER_HZ

        /** utime + stime of {@code pid} in nanoseconds; 0 when it is gone. */
        static long ofProcess(long pid) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return (long) ((Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_NANOS);
            } catch (Exception gone) {
                return 0;
            }
        }

        static long ofThisProcess() {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        }
    }

    static final class Disk {
        static long bytes(Path dir) {
            try (Stream<Path> files = Files.walk(dir)) {
                return files.filter(Files::isRegularFile).mapToLong(p -> {
                    try {
                        return Files.size(p);
                    } catch (Exception gone) {
                        return 0;
                    }
                }).sum();
            } catch (Exception e) {
                return 0;
            }
        }
    }

    /** Prometheus histogram buckets to an HdrHistogram in milliseconds (each count at its bucket's upper bound). */
    static final class Buckets {
        static double le(String labels) {
            int i = labels.indexOf("le=\"");
            String v = labels.substring(i + 4, labels.indexOf('"', i + 4));
            return v.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(v);
        }

        static Histogram histogramMillis(Map<Double, Double> before, Map<Double, Double> after) {
            Histogram h = new Histogram(3_600_000L, 3);
            double previous = 0;
            double lastBound = 0;
            for (Map.Entry<Double, Double> e : after.entrySet()) {
                double cumulative = e.getValue() - before.getOrDefault(e.getKey(), 0.0);
                long count = Math.round(cumulative - previous);
                double bound = e.getKey().isInfinite() ? lastBound * 2 : e.getKey();
                if (count > 0) {
                    h.recordValueWithCount(Math.max(1, Math.round(bound * 1000)), count);
                }
                previous = cumulative;
                lastBound = bound;
            }
            return h;
        }
    }

    /** The Markdown report: the summary table the issue asks for, then every figure behind it. */
    static final class Report {
        private final int rounds;
        private final Duration warmup;
        private final Duration measure;
        private final Map<String, Map<String, List<Run>>> runs = new LinkedHashMap<>();
        private final Map<String, Double> startup = new LinkedHashMap<>();
        private final Map<String, Map<String, Long>> rss = new LinkedHashMap<>();
        private final Map<String, String> disk = new LinkedHashMap<>();
        private final Map<String, Double> diskPerWrite = new LinkedHashMap<>();
        private final Map<String, Double> failover = new LinkedHashMap<>();
        private final Map<String, Histogram> lag = new LinkedHashMap<>();
        private List<String> kinkoFlags = LocalRegion.NODE_JVM_FLAGS;

        void kinkoFlags(List<String> flags) {
            kinkoFlags = flags;
        }

        Report(int rounds, Duration warmup, Duration measure) {
            this.rounds = rounds;
            this.warmup = warmup;
            this.measure = measure;
        }

        void startup(String side, double seconds) {
            startup.put(side, seconds);
        }

        void add(int round, Workload w, String side, Run run) {
            runs.computeIfAbsent(w.name(), k -> new LinkedHashMap<>()).computeIfAbsent(side, k -> new ArrayList<>()).add(run);
        }

        void memory(String side, Map<String, Long> bytes) {
            rss.put(side, bytes);
        }

        void disk(String side, Map<String, Long> before, Map<String, Long> after, long writes) {
            long grown = 0;
            StringBuilder each = new StringBuilder();
            for (Map.Entry<String, Long> e : after.entrySet()) {
                long g = e.getValue() - before.getOrDefault(e.getKey(), 0L);
                grown += g;
                each.append(each.length() == 0 ? "" : ", ").append(e.getKey()).append(' ')
                        .append(mib(e.getValue())).append(" MiB");
            }
            double perWrite = writes == 0 ? 0 : grown / (double) after.size() / writes;
            diskPerWrite.put(side, perWrite);
            disk.put(side, each + String.format(Locale.ROOT, "; grew %.0f B per write per node over ~%,d writes", perWrite, writes));
        }

        void failover(String side, double seconds) {
            failover.put(side, seconds);
        }

        void lag(String side, Histogram h) {
            lag.put(side, h);
        }

        private static String mib(long bytes) {
            return String.format(Locale.ROOT, "%.0f", bytes / 1048576.0);
        }

        /** The RSS of the side's largest node after the load, in MiB. */
        private double largestRssMib(String side) {
            return rss.get(side).values().stream().mapToLong(Long::longValue).max().orElse(0) / 1048576.0;
        }

        private double rate(String workload, String side) {
            return runs.get(workload).get(side).stream().mapToDouble(r -> r.load().perSecond()).average().orElse(0);
        }

        /** Each of issue 13's targets this run has a figure for, and whether this run met it. */
        private void targets(StringBuilder out) {
            List<String> rows = new ArrayList<>();
            for (Workload w : WORKLOADS) {
                double target = w.kind() == Kind.WRITE && w.inFlight() == 1 ? TARGET_SEQUENTIAL_WRITES_RATIO
                        : w.kind() == Kind.MIXED_90_READS ? 0 : TARGET_THROUGHPUT_RATIO;
                Map<String, List<Run>> sides = runs.getOrDefault(w.name(), Map.of());
                if (target > 0 && sides.containsKey("kinko") && sides.containsKey("etcd") && rate(w.name(), "etcd") > 0) {
                    double ratio = rate(w.name(), "kinko") / rate(w.name(), "etcd");
                    rows.add(row(String.format(Locale.ROOT, "%s: at least %.1fx etcd", w.name(), target),
                            String.format(Locale.ROOT, "%.2fx", ratio), ratio >= target));
                }
            }
            if (rss.containsKey("kinko") && rss.containsKey("etcd")) {
                double ratio = largestRssMib("kinko") / Math.max(1, largestRssMib("etcd"));
                rows.add(row(String.format(Locale.ROOT, "RSS per node: at most %.1fx an etcd member's", TARGET_RSS_RATIO),
                        String.format(Locale.ROOT, "%.2fx", ratio), ratio <= TARGET_RSS_RATIO));
            }
            if (lag.containsKey("kinko")) {
                long p99 = lag.get("kinko").getValueAtPercentile(99);
                rows.add(row(String.format(Locale.ROOT, "replication lag p99 at %d writes/s: under %d ms", LAG_RATE, TARGET_LAG_P99_MS),
                        p99 + " ms", p99 < TARGET_LAG_P99_MS));
            }
            if (failover.containsKey("kinko")) {
                double f = failover.get("kinko");
                rows.add(row(String.format(Locale.ROOT, "failover: under %.0f s", TARGET_FAILOVER_SECONDS),
                        String.format(Locale.ROOT, "%.2f s", f), f < TARGET_FAILOVER_SECONDS));
            }
            if (rows.isEmpty()) {
                return;
            }
            out.append("\n## Targets (issue 13), this run\n\n| target | this run | met |\n|---|---|---|\n");
            rows.forEach(out::append);
            out.append("\nWhere a target is not met, `ops/bench/README.md` (\"Where each target stands\") gives the "
                    + "profile that shows why.\n");
        }

        private static String row(String target, String figure, boolean met) {
            return "| " + target + " | " + figure + " | " + (met ? "yes" : "**no**") + " |\n";
        }

        String markdown() {
            StringBuilder out = new StringBuilder();
            out.append("# Kinko and etcd side by side (ops/bench/run.sh)\n\n");
            out.append(String.format(Locale.ROOT, "%s, %d cores, Java %s; %d rounds, %d s warm-up and %d s measured per "
                            + "workload and system, the order alternating. %,d keys, %d-byte values.%n%n",
                    Instant.now().toString().substring(0, 16) + "Z", Runtime.getRuntime().availableProcessors(),
                    Runtime.version(), rounds, warmup.toSeconds(), measure.toSeconds(), KEYS, VALUE_BYTES));
            out.append("- Kinko: 3 node processes `java " + String.join(" ", kinkoFlags)
                    + " -jar kinko.jar server` (as ops/systemd starts them), TLS on every port (Raft mutual TLS), "
                    + "a bearer token, the policy check and the audit log on every call; the workloads call with "
                    + (SERVICE_CALLER ? "a service's token, whose policy allows the bench's calls on `bench/*` "
                            + "(`BENCH_CALLER=service`).\n"
                            : "the root token (the check allows root without evaluating a policy).\n"));
            out.append(ETCD_SECURED
                    ? "- etcd: Debian's etcd 3.4, 3 member processes secured as Kinko is (`BENCH_ETCD=secured`): TLS on the "
                            + "client ports, mutual TLS between members, authentication on, root's simple token on every call. "
                            + "The replication-lag peer (make-mirror) runs plaintext.\n"
                    : "- etcd: Debian's etcd 3.4, 3 member processes with their defaults (plaintext, no authentication).\n");
            out.append("- Load: one driver JVM, generated async gRPC stubs on both sides (`KVGrpc` of jetcd-grpc for "
                    + "etcd), closed loop; writes to the leader, reads round-robin over the three members.\n\n");
            out.append("| workload | kinko | etcd | kinko/etcd |\n|---|---|---|---|\n");
            for (String w : runs.keySet()) {
                double k = rate(w, "kinko");
                double e = rate(w, "etcd");
                out.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.2f |%n", w, k, e, e == 0 ? 0 : k / e));
            }
            out.append("\nThroughput in operations per second, the mean over the rounds.\n\n");
            out.append("| measure | kinko | etcd | kinko/etcd |\n|---|---|---|---|\n");
            if (lag.containsKey("kinko") && lag.containsKey("etcd")) {
                long k = lag.get("kinko").getValueAtPercentile(99);
                long e = lag.get("etcd").getValueAtPercentile(99);
                out.append(String.format(Locale.ROOT, "| replication lag p99 at %d writes/s, ms | %d | %d | %.2f |%n",
                        LAG_RATE, k, e, e == 0 ? 0 : k / (double) e));
            }
            if (failover.containsKey("kinko") && failover.containsKey("etcd")) {
                out.append(String.format(Locale.ROOT, "| failover (leader kill -9 to first acknowledged write), s | %.2f | %.2f | %.2f |%n",
                        failover.get("kinko"), failover.get("etcd"), failover.get("kinko") / failover.get("etcd")));
            }
            if (rss.containsKey("kinko") && rss.containsKey("etcd")) {
                double k = largestRssMib("kinko");
                double e = largestRssMib("etcd");
                out.append(String.format(Locale.ROOT, "| RSS of the largest node after the load, MiB | %.0f | %.0f | %.2f |%n",
                        k, e, e == 0 ? 0 : k / e));
            }
            if (diskPerWrite.containsKey("kinko") && diskPerWrite.containsKey("etcd")) {
                double k = diskPerWrite.get("kinko");
                double e = diskPerWrite.get("etcd");
                out.append(String.format(Locale.ROOT, "| disk growth per %d-byte write per node, B | %.0f | %.0f | %.2f |%n",
                        VALUE_BYTES, k, e, e == 0 ? 0 : k / e));
            }
            if (startup.containsKey("kinko") && startup.containsKey("etcd")) {
                out.append(String.format(Locale.ROOT, "| start-up (processes started to first acknowledged write), s | %.1f | %.1f | %.2f |%n",
                        startup.get("kinko"), startup.get("etcd"), startup.get("kinko") / startup.get("etcd")));
            }
            targets(out);
            out.append("\n## Every run\n\nCPU is each process's share of one core over the run (warm-up included); "
                    + "the driver shares the 2 cores with the servers.\n\n");
            out.append("| workload | system | round | ops/s | p50 ms | p99 ms | errors | server CPU % (each) | server CPU ms/op | driver CPU % |\n");
            out.append("|---|---|---|---|---|---|---|---|---|---|\n");
            for (Map.Entry<String, Map<String, List<Run>>> w : runs.entrySet()) {
                for (Map.Entry<String, List<Run>> s : w.getValue().entrySet()) {
                    int round = 1;
                    for (Run r : s.getValue()) {
                        Histogram h = r.load().latencyMicros();
                        double serverCpu = r.serverCpu().values().stream().mapToDouble(Double::doubleValue).sum();
                        StringBuilder each = new StringBuilder();
                        r.serverCpu().forEach((name, share) -> each.append(each.length() == 0 ? "" : ", ")
                                .append(name).append(' ').append(String.format(Locale.ROOT, "%.0f", share * 100)));
                        out.append(String.format(Locale.ROOT, "| %s | %s | %d | %.0f | %.2f | %.2f | %d | %s | %.3f | %.0f |%n",
                                w.getKey(), s.getKey(), round++, r.load().perSecond(), h.getValueAtPercentile(50) / 1000.0,
                                h.getValueAtPercentile(99) / 1000.0, r.load().errors(), each,
                                r.load().perSecond() == 0 ? 0 : serverCpu * 1000 / r.load().perSecond(), r.clientCpu() * 100));
                    }
                }
            }
            out.append("\n## Memory, disk, lag\n\n");
            rss.forEach((side, m) -> {
                StringBuilder each = new StringBuilder();
                m.forEach((n, b) -> each.append(each.length() == 0 ? "" : ", ").append(n).append(' ').append(mib(b)).append(" MiB"));
                out.append("- RSS, ").append(side).append(": ").append(each).append('\n');
            });
            disk.forEach((side, d) -> out.append("- data dirs, ").append(side).append(": ").append(d).append('\n'));
            lag.forEach((side, h) -> out.append(String.format(Locale.ROOT, "- lag, %s: p50 %d ms, p99 %d ms, max %d ms over %d changes%s%n",
                    side, h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getMaxValue(), h.getTotalCount(),
                    side.equals("kinko") ? " (tokyo -> osaka, applied in tokyo to acknowledged by osaka; "
                            + "from the kinko_replication_delay buckets, so each figure is a bucket's upper bound)"
                            : " (two etcd clusters, etcdctl make-mirror; acknowledged by A to watched on B)")));
            return out.toString();
        }
    }

    private SideBySideBench() {}
}
