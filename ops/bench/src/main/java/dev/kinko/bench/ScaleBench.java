package dev.kinko.bench;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import dev.kinko.bench.LocalRegion.Node;
import dev.kinko.bench.ScaleReport.Section;
import dev.kinko.bench.ScaleReport.Table;
import dev.kinko.proto.v1.AddMemberRequest;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.GetRegionStatusRequest;
import dev.kinko.proto.v1.GetRegionStatusResponse;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.GetSecretValueResponse;
import dev.kinko.proto.v1.ListSecretVersionIdsRequest;
import dev.kinko.proto.v1.ListSecretVersionIdsResponse;
import dev.kinko.proto.v1.ListSecretsRequest;
import dev.kinko.proto.v1.ListSecretsResponse;
import dev.kinko.proto.v1.Member;
import dev.kinko.proto.v1.PromoteRegionRequest;
import dev.kinko.proto.v1.PromoteRegionResponse;
import dev.kinko.proto.v1.PutRegionLinkRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.RegionLinkStatus;
import dev.kinko.proto.v1.RemoveMemberRequest;
import dev.kinko.proto.v1.ReplicateRegionRequest;
import dev.kinko.proto.v1.SecretsServiceGrpc;
import dev.kinko.proto.v1.SourceRegionStatus;
import dev.kinko.proto.v1.TakeSnapshotRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * How Kinko holds up as a region grows (issue 9): real node processes on loopback, started
 * from a given kinko.jar as production starts them (LocalRegion), TLS and the root token.
 * Region tokyo (3 nodes) is loaded with N secrets of 1 KiB random values as fast as it takes
 * them; on the way, ListSecrets page latency at every 10 %; then memory (RSS, heap), write
 * latency on a secret with 100 versions against secrets with 1, read latency, disk bytes per
 * secret, restart and catch-up times (follower, leader), a snapshot install on an empty node,
 * a re-seed of region osaka with every secret (ReplicateRegion) and osaka's promotion after
 * tokyo is killed. Every phase has a deadline; a failed phase is recorded as "failed: why" and
 * the bench goes on with what still makes sense. The report goes to stdout and to report.md
 * and report.tsv in the results directory.
 *
 * <p>Arguments: N, the kinko.jar, the results directory. Environment: PHASES (e.g. 0,1,9,10; all), IN_FLIGHT (256),
 * TIME_LIMIT_MIN (total, 0 = none), PUT_CALLS (2000), READ_SECONDS (10), READ_IN_FLIGHT (16),
 * KEEP_DATA (1 keeps the nodes' data directories), KINKO_REV (shown in the report).
 */
public final class ScaleBench {
    static final int VALUE_BYTES = 1024;
    static final int PAGE_SIZE = 100;
    static final int LIST_CALLS = 10;
    static final Duration SAMPLE_EVERY = Duration.ofSeconds(3);
    static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);
    /** A node whose applied index has not moved for this long while catching up is stuck. */
    static final Duration STUCK_AFTER = Duration.ofMinutes(3);
    /** A wiped node started again in place gets this long before the bench replaces it by the README's runbook. */
    static final Duration IN_PLACE_STUCK_AFTER = Duration.ofMinutes(2);

    private final long n;
    private final Path jar;
    private final Path results;
    private final Path work;
    private final int inFlight = intEnv("IN_FLIGHT", 256);
    private final int putCalls = intEnv("PUT_CALLS", 2_000);
    private final int readSeconds = intEnv("READ_SECONDS", 10);
    private final int readInFlight = intEnv("READ_IN_FLIGHT", 16);
    private final int timeLimitMinutes = intEnv("TIME_LIMIT_MIN", 0);
    /** PHASES=0,1,9,10 runs only those phases (the ones a later phase needs are up to the caller); empty: all. */
    private final java.util.Set<String> phases = new java.util.LinkedHashSet<>(
            System.getenv().getOrDefault("PHASES", "").isBlank() ? List.of()
                    : List.of(System.getenv("PHASES").replace(" ", "").split(",")));
    private final Deadline total;
    private final long startNanos = System.nanoTime();
    private final ScaleReport report;
    private final Section summary;
    private final AtomicBoolean cleanedUp = new AtomicBoolean();

    private volatile LocalRegion tokyo;
    private volatile LocalRegion osaka;
    /** Secrets the load created (the names scale/00000000 .. below {@link #loadedUpTo}, a few perhaps missing). */
    private long loaded;
    private long loadedUpTo;
    private volatile Node loadTarget;
    private final AtomicLong lastLeaderLookup = new AtomicLong();
    private boolean osakaLinked;

    private final Map<String, Long> maxRss = new ConcurrentHashMap<>();
    private final Map<String, Long> maxHeap = new ConcurrentHashMap<>();
    private volatile String heapSource = "n/a";
    private final java.util.Set<String> reportedExits = ConcurrentHashMap.newKeySet();
    private volatile boolean sampling = true;
    /** Set when the bench is stopped from outside (Ctrl-C): no further phase starts. */
    private volatile boolean stopping;

    private ScaleBench(long n, Path jar, Path results) throws IOException {
        this.n = n;
        this.jar = jar;
        this.results = results;
        String tmp = System.getenv().getOrDefault("TMPDIR", "/tmp");
        this.work = Files.createTempDirectory(Path.of(tmp), "kinko-scale-");
        this.total = timeLimitMinutes > 0 ? Deadline.after(Duration.ofMinutes(timeLimitMinutes),
                "the total time limit (TIME_LIMIT_MIN=" + timeLimitMinutes + ")") : Deadline.after(Duration.ofDays(365), "never");
        this.report = new ScaleReport(results, "Kinko scale bench, N = " + String.format("%,d", n));
        this.summary = report.section("Summary");
    }

    public static void main(String[] args) throws Exception {
        long n = args.length > 0 ? Long.parseLong(args[0].replace("_", "").replace(",", "")) : 1_000_000;
        Path jar = Path.of(args.length > 1 ? args[1] : "cli/target/kinko.jar").toAbsolutePath();
        Path results = (args.length > 2 ? Path.of(args[2]) : Path.of("ops/bench/results", "scale-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-n" + n)).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("no kinko.jar at " + jar);
        }
        ScaleBench bench = new ScaleBench(n, jar, results);
        Runtime.getRuntime().addShutdownHook(new Thread(bench::cleanup, "scale-bench-cleanup"));
        try {
            bench.run();
        } finally {
            bench.cleanup();
        }
        System.out.println(bench.report.markdown());
        System.exit(0); // gRPC and HTTP client threads would keep the JVM up
    }

    private void run() throws Exception {
        Files.createDirectories(results);
        setup();
        Thread sampler = new Thread(this::sample, "scale-memory-sampler");
        sampler.setDaemon(true);
        sampler.start();

        phase("0. Start region tokyo (3 nodes)", Duration.ofMinutes(5), this::startTokyo);
        if (tokyo == null || tokyo.running().size() < 2) {
            summary.row("result", "tokyo did not start: nothing measured");
            return;
        }
        phase("1. Load N secrets into tokyo (1 KiB random values, " + inFlight + " CreateSecret calls in flight)",
                Duration.ofSeconds(Math.max(600, n / 100)), this::load);
        boolean tokyoUp = tokyo.running().size() >= 2 && loaded > 0;
        phaseIf(tokyoUp, "3. Memory after the load", Duration.ofMinutes(1), this::memoryAfterLoad);
        phaseIf(tokyoUp, "4. PutSecretValue latency: a secret with 100 versions vs secrets with 1", Duration.ofMinutes(15),
                this::putLatency);
        phaseIf(tokyoUp, "5. GetSecretValue latency on random secrets (" + readInFlight + " in flight, "
                + readSeconds + " s)", Duration.ofMinutes(3), this::readLatency);
        phaseIf(tokyo.nodes().stream().anyMatch(x -> Files.exists(x.dataDir())), "6. Disk bytes per secret (du)",
                Duration.ofMinutes(10), this::disk);
        phaseIf(tokyoUp, "7. Node restarts (kill -9)", Duration.ofMinutes(20), this::restarts);
        phaseIf(tokyo.running().size() >= 2, "8. Snapshot install on an empty node", Duration.ofMinutes(30),
                this::snapshotInstall);
        phaseIf(tokyo.running().size() >= 2 && loaded > 0, "9. Re-seed: region osaka gets every tokyo secret (ReplicateRegion)",
                Duration.ofSeconds(Math.max(900, n / 50)), this::reseed);
        phaseIf(tokyo.running().size() >= 2, "10. Raft log bytes per node (primary and replica region)",
                Duration.ofMinutes(2), this::raftLogBytes);
        phaseIf(osaka != null && osakaLinked, "11. Promotion of osaka after tokyo is killed", Duration.ofMinutes(20),
                this::promote);
    }

    // --- phases ----------------------------------------------------------------------------

    @FunctionalInterface
    interface Body {
        void run(Section s, Deadline d) throws Exception;
    }

    private void phaseIf(boolean makesSense, String title, Duration limit, Body body) {
        if (stopping) {
            return;
        }
        if (!makesSense && selected(title)) {
            Section s = report.section(title);
            s.status = "skipped: an earlier phase left nothing to measure it on";
            report.write();
            return;
        }
        phase(title, limit, body);
    }

    private void phase(String title, Duration limit, Body body) {
        if (stopping) {
            return; // Ctrl-C: the report is written already
        }
        Section s = report.section(title);
        if (!selected(title)) {
            s.status = "skipped: not in PHASES=" + String.join(",", phases);
            report.write();
            return;
        }
        if (total.passed()) {
            s.status = "skipped: the total time limit (TIME_LIMIT_MIN=" + timeLimitMinutes + ") passed";
            report.write();
            return;
        }
        Deadline d = Deadline.after(limit, "the phase's deadline (" + limit.toSeconds() + " s)").min(total);
        log("==== %s (deadline in %d s)", title, d.remaining().toSeconds());
        long t0 = System.nanoTime();
        try {
            body.run(s, d);
            s.status = "ok in " + secs(t0) + " s";
        } catch (Throwable e) {
            String why = e instanceof Deadline.Failed || e instanceof IllegalStateException ? e.getMessage()
                    : e instanceof StatusRuntimeException sre ? "call failed: " + sre.getStatus()
                    : e.getClass().getSimpleName() + ": " + e.getMessage();
            s.status = (stopping ? "stopped (a signal: Ctrl-C, kill) after " : "failed after ") + secs(t0) + " s: " + why;
            log("phase failed: %s", why);
            if (!(e instanceof Deadline.Failed) && !(e instanceof StatusRuntimeException)) {
                e.printStackTrace();
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
        for (LocalRegion r : regions()) {
            for (String exit : r.unexpectedExits()) {
                if (reportedExits.add(exit)) {
                    s.note("node exit: " + exit);
                    log("node exit: %s", exit);
                }
            }
        }
        report.write();
    }

    /** Whether PHASES (when given) names the phase whose title starts with "number.". */
    private boolean selected(String title) {
        return phases.isEmpty() || phases.contains(title.substring(0, title.indexOf('.')));
    }

    private void startTokyo(Section s, Deadline d) throws Exception {
        long t0 = System.nanoTime();
        LocalRegion.initPki(jar, work.resolve("pki"));
        tokyo = LocalRegion.create("tokyo", 3, jar, work.resolve("pki"), work, results.resolve("logs"), results.resolve("node.pids"));
        s.row("CA, certificates and key file (kinko pki, kinko keygen), s", secs(t0));
        long t1 = System.nanoTime();
        tokyo.startAll();
        tokyo.awaitReady(d.remaining());
        s.row("start to ready (leader, root token, every node answering), s", secs(t1));
        Node leader = tokyo.awaitLeader(d);
        s.row("leader", leader.id());
        for (Node x : tokyo.nodes()) {
            s.row(x.id() + " ports (client, raft, metrics)", x.clientPort() + ", " + x.raftPort() + ", " + x.metricsPort());
        }
    }

    private void load(Section s, Deadline d) throws Exception {
        Section lists = report.section("2. ListSecrets page latency as the region grows (page size " + PAGE_SIZE + ")");
        lists.note("measured on the leader at each 10 % step of the load, between steps (no load running): " + LIST_CALLS
                + " calls each after one warm-up; the deep page is page 2 of a name prefix at 90 % of the names loaded,"
                + " with the page token the server gave for page 1");
        loadTarget = tokyo.awaitLeader(d);
        ScaleLoader loader = new ScaleLoader(() -> tokyo.channel(loadTarget), tokyo::headers, this::lookForLeader,
                inFlight, VALUE_BYTES);
        Table steps = s.table("step", "secrets", "step s", "step rate /s", "load s", "overall rate /s", "retries", "errors",
                "leader RSS MiB", "leader heap MiB");
        Table listTable = lists.table("secrets", "first page p50 ms", "first page max ms", "deep page p50 ms",
                "deep page max ms", "deep page (prefix, page 2)");
        AtomicBoolean loading = new AtomicBoolean(true);
        AtomicLong lastCreated = new AtomicLong();
        AtomicLong lastProgress = new AtomicLong(System.nanoTime());
        Thread progress = new Thread(() -> {
            long prev = 0;
            long prevAt = System.nanoTime();
            while (loading.get()) {
                try {
                    Thread.sleep(PROGRESS_EVERY.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
                long c = loader.created.sum();
                long now = System.nanoTime();
                log("load: %,d / %,d (%.1f %%), %,.0f/s over the last %d s, %d in flight, retries %s, errors %s",
                        c, n, 100.0 * c / n, (c - prev) * 1e9 / (now - prevAt), PROGRESS_EVERY.toSeconds(),
                        loader.inFlight(), loader.retriesText(), loader.errorsText());
                prev = c;
                prevAt = now;
            }
        }, "scale-load-progress");
        progress.setDaemon(true);
        progress.start();
        long loadNanos = 0;
        long stepStart = -1; // a step under way, for a load that stops inside one
        long wallStart = System.nanoTime();
        try {
            for (int k = 1; k <= 10; k++) {
                long from = (k - 1) * n / 10;
                long to = k * n / 10;
                if (to == from) {
                    continue;
                }
                long st = System.nanoTime();
                stepStart = st;
                loader.load(from, to, d, () -> loadMustStop(loader, lastCreated, lastProgress));
                long stepNanos = System.nanoTime() - st;
                stepStart = -1;
                loadNanos += stepNanos;
                loaded = loader.created.sum();
                loadedUpTo = loader.sent();
                Node l = tokyo.leader().orElse(loadTarget);
                steps.add(k * 10 + " %", String.format("%,d", loaded), fmt(stepNanos / 1e9),
                        String.format("%,.0f", (to - from) * 1e9 / stepNanos), fmt(loadNanos / 1e9),
                        String.format("%,.0f", loaded * 1e9 / loadNanos), loader.retries(), loader.failed.sum(),
                        tokyo.rssBytes(l).stream().mapToObj(ScaleBench::mib).findFirst().orElse("n/a"),
                        tokyo.heap(l).map(h -> mib(h.bytes())).orElse("n/a"));
                report.write();
                try {
                    measureLists(listTable, to, d);
                } catch (StatusRuntimeException e) {
                    listTable.add(String.format("%,d", loaded), "failed: " + e.getStatus(), "", "", "", "");
                }
                report.write();
            }
        } finally {
            loading.set(false);
            progress.interrupt();
            if (stepStart >= 0) {
                loadNanos += System.nanoTime() - stepStart;
            }
            loaded = loader.created.sum();
            loadedUpTo = loader.sent();
            Histogram latency = loader.latency.getIntervalHistogram();
            s.row("secrets created", String.format("%,d of %,d", loaded, n));
            s.row("load time (the 10 steps, without the list measurements), s", fmt(loadNanos / 1e9));
            s.row("wall time of the phase, s", secs(wallStart));
            s.row("load rate overall, secrets/s", loadNanos == 0 ? "n/a" : String.format("%,.0f", loaded * 1e9 / loadNanos));
            s.row("CreateSecret latency (first send to ack, retries included) p50 / p99 / max, ms",
                    ms(latency.getValueAtPercentile(50)) + " / " + ms(latency.getValueAtPercentile(99)) + " / "
                            + ms(latency.getMaxValue()));
            s.row("retries (by code)", loader.retriesText());
            s.row("errors, not retried (by code)", loader.errorsText());
            s.row("created on a retry that found it already made", loader.existedOnRetry.sum());
            loader.errorSamples.forEach(e -> s.note("error sample: " + e));
            summary.row("load: " + String.format("%,d", loaded) + " secrets, s / secrets/s", fmt(loadNanos / 1e9) + " / "
                    + (loadNanos == 0 ? "n/a" : String.format("%,.0f", loaded * 1e9 / loadNanos)));
            summary.row("load: errors / retries", loader.failed.sum() + " / " + loader.retries());
            loader.close();
        }
        if (listTable.rows.size() > 0) {
            List<String> first = listTable.rows.get(0);
            List<String> last = listTable.rows.get(listTable.rows.size() - 1);
            summary.row("ListSecrets p50 ms, first page / deep page: at " + first.get(0) + " secrets -> at " + last.get(0),
                    first.get(1) + " / " + first.get(3) + " -> " + last.get(1) + " / " + last.get(3));
        }
    }

    /** The load stops when tokyo lost its majority, nothing was created for 3 minutes, or errors pile up. */
    private boolean loadMustStop(ScaleLoader loader, AtomicLong lastCreated, AtomicLong lastProgress) {
        long c = loader.created.sum();
        if (c != lastCreated.getAndSet(c)) {
            lastProgress.set(System.nanoTime());
        }
        if (tokyo.running().size() < 2) {
            throw new Deadline.Failed("tokyo lost its majority: " + tokyo.unexpectedExits());
        }
        if (System.nanoTime() - lastProgress.get() > Duration.ofMinutes(3).toNanos()) {
            throw new Deadline.Failed("no secret created for 3 minutes (stalled at " + c + ", " + loader.inFlight()
                    + " in flight, errors " + loader.errorsText() + ")");
        }
        long failed = loader.failed.sum();
        if (failed >= 1_000 && failed > (c + failed) / 20) {
            throw new Deadline.Failed("too many errors: " + loader.errorsText());
        }
        return false;
    }

    private void lookForLeader() {
        long now = System.nanoTime();
        long last = lastLeaderLookup.get();
        if (now - last < Duration.ofSeconds(2).toNanos() || !lastLeaderLookup.compareAndSet(last, now)) {
            return;
        }
        Thread t = new Thread(() -> tokyo.leader().ifPresent(l -> {
            if (l != loadTarget) {
                log("load: the leader is now %s", l.id());
                loadTarget = l;
            }
        }), "scale-leader-lookup");
        t.setDaemon(true);
        t.start();
    }

    /** First page of the whole name space, and page 2 of a prefix at 90 % of the loaded names. */
    private void measureLists(Table table, long upTo, Deadline d) {
        Node l = tokyo.leader().orElse(loadTarget);
        SecretsServiceGrpc.SecretsServiceBlockingStub stub = tokyo.secrets(l);
        String deepName = ScaleLoader.name((long) (upTo * 0.9));
        String prefix = deepName.substring(0, deepName.length() - 3);
        Histogram first = new Histogram(3);
        Histogram deep = new Histogram(3);
        boolean deepHasPage2 = true;
        for (int i = 0; i <= LIST_CALLS; i++) { // the first round warms up
            d.check("measuring ListSecrets");
            long t0 = System.nanoTime();
            ListSecretsResponse r = stub.withDeadlineAfter(60, TimeUnit.SECONDS)
                    .listSecrets(ListSecretsRequest.newBuilder().setPageSize(PAGE_SIZE).build());
            long firstMicros = (System.nanoTime() - t0) / 1_000;
            ListSecretsResponse p1 = stub.withDeadlineAfter(60, TimeUnit.SECONDS)
                    .listSecrets(ListSecretsRequest.newBuilder().setPageSize(PAGE_SIZE).setNamePrefix(prefix).build());
            long deepMicros;
            if (p1.getNextPageToken().isEmpty()) {
                deepHasPage2 = false;
                deepMicros = 0;
            } else {
                long t1 = System.nanoTime();
                stub.withDeadlineAfter(60, TimeUnit.SECONDS).listSecrets(ListSecretsRequest.newBuilder()
                        .setPageSize(PAGE_SIZE).setNamePrefix(prefix).setPageToken(p1.getNextPageToken()).build());
                deepMicros = (System.nanoTime() - t1) / 1_000;
            }
            if (i > 0) {
                first.recordValue(firstMicros);
                deep.recordValue(deepMicros);
            }
            if (i == 0 && r.getSecretsCount() != Math.min(PAGE_SIZE, loaded)) {
                log("ListSecrets: first page holds %d secrets", r.getSecretsCount());
            }
        }
        table.add(String.format("%,d", loaded), ms(first.getValueAtPercentile(50)), ms(first.getMaxValue()),
                deepHasPage2 ? ms(deep.getValueAtPercentile(50)) : "n/a", deepHasPage2 ? ms(deep.getMaxValue()) : "n/a",
                "`" + prefix + "`");
        log("ListSecrets at %,d secrets: first page p50 %s ms, deep page p50 %s ms", loaded,
                ms(first.getValueAtPercentile(50)), ms(deep.getValueAtPercentile(50)));
    }

    private void memoryAfterLoad(Section s, Deadline d) {
        Table t = s.table("node", "role", "RSS MiB now", "heap MiB now", "max RSS MiB so far", "max heap MiB so far");
        Optional<Node> leader = tokyo.leader();
        for (Node x : tokyo.nodes()) {
            OptionalLong rss = tokyo.rssBytes(x);
            Optional<LocalRegion.Heap> heap = tokyo.heap(x);
            t.add(x.id(), leader.filter(l -> l == x).isPresent() ? "leader" : tokyo.alive(x) ? "follower" : "down",
                    rss.isPresent() ? mib(rss.getAsLong()) : "n/a", heap.map(h -> mib(h.bytes())).orElse("n/a"),
                    maxRss.containsKey(x.id()) ? mib(maxRss.get(x.id())) : "n/a",
                    maxHeap.containsKey(x.id()) ? mib(maxHeap.get(x.id())) : "n/a");
        }
        s.note("RSS from /proc/<pid>/status VmRSS; heap used from " + heapSource + " (jvm_memory_used_bytes{area=\"heap\"}"
                + " summed when the node's /metrics has it, else the JVM's hsperfdata: every generation's spaces),"
                + " sampled every " + SAMPLE_EVERY.toSeconds() + " s. Node JVMs: " + LocalRegion.NODE_JVM_FLAGS);
    }

    private void putLatency(Section s, Deadline d) throws Exception {
        String hundred = "scale-probe/versions-100";
        retrying(tokyo, x -> tokyo.secrets(x).withDeadlineAfter(10, TimeUnit.SECONDS).createSecret(CreateSecretRequest
                .newBuilder().setName(hundred).setSecretBinary(randomValue()).build()), d, "creating " + hundred);
        for (int i = 0; i < 99; i++) {
            put(tokyo, hundred, d);
        }
        s.row("versions held by " + hundred + " (ListSecretVersionIds, deprecated included)", countVersions(hundred, d));
        int warmup = 100;
        if (loadedUpTo < warmup + putCalls) {
            s.note("fewer secrets loaded (" + loadedUpTo + ") than puts on the 1-version side (" + (warmup + putCalls)
                    + "): some of them got a second and third value");
        }
        long base = ThreadLocalRandom.current().nextLong(loadedUpTo);
        Histogram h100 = new Histogram(3);
        Histogram h1 = new Histogram(3);
        LongAdder missing = new LongAdder();
        for (int i = 0; i < warmup + putCalls; i++) {
            if (i % 500 == 0) {
                log("puts: %d / %d pairs", i, warmup + putCalls);
            }
            long t0 = System.nanoTime();
            put(tokyo, hundred, d);
            long a = (System.nanoTime() - t0) / 1_000;
            long t1 = System.nanoTime();
            try {
                put(tokyo, ScaleLoader.name((base + i) % loadedUpTo), d);
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
                    throw e;
                }
                missing.increment(); // a hole the load left
            }
            long b = (System.nanoTime() - t1) / 1_000;
            if (i >= warmup) {
                h100.recordValue(a);
                h1.recordValue(b);
            }
        }
        s.row("calls measured per side (after " + warmup + " warm-up pairs), alternating", putCalls);
        s.row("100 versions: p50 / p99 / max, ms", ms(h100.getValueAtPercentile(50)) + " / " + ms(h100.getValueAtPercentile(99))
                + " / " + ms(h100.getMaxValue()));
        s.row("1 version (a different loaded secret each call): p50 / p99 / max, ms", ms(h1.getValueAtPercentile(50)) + " / "
                + ms(h1.getValueAtPercentile(99)) + " / " + ms(h1.getMaxValue()));
        String ratio = String.format("%.2f / %.2f", h100.getValueAtPercentile(50) / (double) h1.getValueAtPercentile(50),
                h100.getValueAtPercentile(99) / (double) h1.getValueAtPercentile(99));
        s.row("ratio 100 versions / 1 version, p50 / p99", ratio);
        s.row("versions held by " + hundred + " after the puts", countVersions(hundred, d));
        if (missing.sum() > 0) {
            s.row("1-version puts that found no secret (holes the load left)", missing.sum());
        }
        s.note("sequential calls to the leader, 1 KiB random values; Limits.MAX_VERSIONS = 100: past it the oldest "
                + "unlabelled versions are removed, so the probe keeps holding about 100");
        summary.row("PutSecretValue p50 ms, 100 versions / 1 version (ratio p50 / p99)", ms(h100.getValueAtPercentile(50))
                + " / " + ms(h1.getValueAtPercentile(50)) + " (" + ratio + ")");
    }

    private void put(LocalRegion r, String name, Deadline d) {
        ByteString value = randomValue();
        retrying(r, x -> r.secrets(x).withDeadlineAfter(10, TimeUnit.SECONDS).putSecretValue(PutSecretValueRequest
                .newBuilder().setSecretId(name).setSecretBinary(value).build()), d, "putting a value on " + name);
    }

    private long countVersions(String name, Deadline d) {
        long count = 0;
        String token = "";
        do {
            String t = token;
            ListSecretVersionIdsResponse r = retrying(tokyo, x -> tokyo.secrets(x).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .listSecretVersionIds(ListSecretVersionIdsRequest.newBuilder().setSecretId(name).setIncludeDeprecated(true)
                            .setPageSize(PAGE_SIZE).setPageToken(t).build()), d, "listing versions");
            count += r.getVersionsCount();
            token = r.getNextPageToken();
        } while (!token.isEmpty());
        return count;
    }

    private void readLatency(Section s, Deadline d) throws Exception {
        Node l = tokyo.awaitLeader(d);
        SecretsServiceGrpc.SecretsServiceFutureStub stub = BenchChannels.with(
                SecretsServiceGrpc.newFutureStub(tokyo.channel(l)), tokyo.headers());
        Recorder latency = new Recorder(3);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicBoolean recording = new AtomicBoolean(false);
        LongAdder ok = new LongAdder();
        Map<Status.Code, LongAdder> errors = new ConcurrentHashMap<>();
        CountDownLatch done = new CountDownLatch(readInFlight);
        for (int c = 0; c < readInFlight; c++) {
            readNext(stub, running, recording, latency, ok, errors, done);
        }
        Thread.sleep(3_000); // warm-up (a benchmark's measured interval, not a test's wait)
        recording.set(true);
        latency.reset();
        long okBefore = ok.sum();
        long t0 = System.nanoTime();
        Thread.sleep(readSeconds * 1_000L);
        long calls = ok.sum() - okBefore;
        double seconds = (System.nanoTime() - t0) / 1e9;
        running.set(false);
        Histogram h = latency.getIntervalHistogram();
        done.await(30, TimeUnit.SECONDS);
        s.row("GetSecretValue p50 / p99 / max, ms", ms(h.getValueAtPercentile(50)) + " / " + ms(h.getValueAtPercentile(99))
                + " / " + ms(h.getMaxValue()));
        s.row("reads/s", String.format("%,.0f", calls / seconds));
        s.row("errors (by code)", errors.isEmpty() ? "none" : errors.toString());
        s.note("closed loop, " + readInFlight + " calls in flight to the leader (" + l.id() + "), linearizable reads of random "
                + "loaded secrets, after 3 s of warm-up");
        summary.row("GetSecretValue p50 / p99 ms (reads/s)", ms(h.getValueAtPercentile(50)) + " / "
                + ms(h.getValueAtPercentile(99)) + " (" + String.format("%,.0f", calls / seconds) + ")");
    }

    private void readNext(SecretsServiceGrpc.SecretsServiceFutureStub stub, AtomicBoolean running, AtomicBoolean recording,
                          Recorder latency, LongAdder ok, Map<Status.Code, LongAdder> errors, CountDownLatch done) {
        if (!running.get()) {
            done.countDown();
            return;
        }
        String name = ScaleLoader.name(ThreadLocalRandom.current().nextLong(Math.max(1, loadedUpTo)));
        long t0 = System.nanoTime();
        Futures.addCallback(stub.withDeadlineAfter(10, TimeUnit.SECONDS).getSecretValue(GetSecretValueRequest.newBuilder()
                .setSecretId(name).build()), new FutureCallback<GetSecretValueResponse>() {
                    @Override
                    public void onSuccess(GetSecretValueResponse r) {
                        if (recording.get()) {
                            latency.recordValue((System.nanoTime() - t0) / 1_000);
                        }
                        ok.increment();
                        readNext(stub, running, recording, latency, ok, errors, done);
                    }

                    @Override
                    public void onFailure(Throwable t) {
                        errors.computeIfAbsent(Status.fromThrowable(t).getCode(), c -> new LongAdder()).increment();
                        readNext(stub, running, recording, latency, ok, errors, done);
                    }
                }, MoreExecutors.directExecutor());
    }

    private void disk(Section s, Deadline d) throws Exception {
        Table t = s.table("node", "db/ MiB", "raft/ MiB", "snapshots/ MiB", "whole data dir MiB", "db/ bytes per secret",
                "raft/ bytes per secret", "data dir bytes per secret");
        long dbSum = 0;
        long raftSum = 0;
        long allSum = 0;
        for (Node x : tokyo.nodes()) {
            d.check("measuring disk use");
            long db = du(x.dataDir().resolve("db"));
            long raft = du(x.dataDir().resolve("raft"));
            long snaps = du(x.dataDir().resolve("snapshots"));
            long all = du(x.dataDir());
            dbSum += db;
            raftSum += raft;
            allSum += all;
            t.add(x.id(), mib(db), mib(raft), mib(snaps), mib(all), perSecret(db), perSecret(raft), perSecret(all));
        }
        s.row("secrets loaded", String.format("%,d", loaded));
        s.row("value bytes per secret (plaintext)", VALUE_BYTES);
        s.note("du -s -B1 (allocated blocks) of each directory on its own; snapshots/ are RocksDB checkpoints, hard links"
                + " to db/'s files where they are the same, so the whole directory is less than the sum");
        summary.row("disk per secret per node, bytes: db / raft / whole data dir", perSecret(dbSum / 3) + " / "
                + perSecret(raftSum / 3) + " / " + perSecret(allSum / 3));
    }

    private String perSecret(long bytes) {
        return loaded == 0 ? "n/a" : String.format("%,.0f", bytes / (double) loaded);
    }

    private static long du(Path p) throws IOException, InterruptedException {
        if (!Files.exists(p)) {
            return 0;
        }
        Process du = new ProcessBuilder("du", "-s", "-B1", p.toString()).redirectErrorStream(true).start();
        String out = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        du.waitFor();
        // du may complain about files RocksDB deleted meanwhile; the total line is the last one
        String[] lines = out.strip().split("\n");
        return Long.parseLong(lines[lines.length - 1].split("\\s+")[0]);
    }

    /**
     * Issue 14: every node's Raft log stays under the snapshot byte trigger plus one segment (snapshots
     * by bytes, purged up to the snapshot), the replica region's too, whose entries are large batches.
     * Waits up to a minute for the last trigger to fire (it checks every second), then reports.
     */
    private void raftLogBytes(Section s, Deadline d) throws Exception {
        long segment = dev.kinko.server.consensus.RaftSettings.DEFAULT_SEGMENT_SIZE_BYTES;
        List<LocalRegion> regions = osaka == null ? List.of(tokyo) : List.of(tokyo, osaka);
        Deadline settle = Deadline.after(Duration.ofMinutes(1), "the Raft logs settling").min(d);
        Map<String, double[]> last = new LinkedHashMap<>();
        while (true) {
            last.clear();
            boolean within = true;
            for (LocalRegion r : regions) {
                for (LocalRegion.Node x : r.running()) {
                    List<LocalRegion.Sample> m = r.scrape(x);
                    double log = LocalRegion.value(m, "kinko_raft_log_bytes").orElse(-1);
                    double trigger = LocalRegion.value(m, "kinko_raft_snapshot_log_bytes").orElse(-1);
                    double db = LocalRegion.value(m, "kinko_db_bytes").orElse(-1);
                    double byBytes = LocalRegion.value(m, "kinko_snapshots_by_log_bytes_total").orElse(-1);
                    double index = LocalRegion.value(m, "kinko_raft_applied_index").orElse(-1);
                    last.put(x.id(), new double[] {log, trigger, db, byBytes, index});
                    within &= log >= 0 && trigger > 0 && log <= trigger + segment;
                }
            }
            if (within || settle.passed()) {
                break;
            }
            Thread.sleep(1_000);
        }
        boolean all = true;
        for (Map.Entry<String, double[]> e : last.entrySet()) {
            double[] v = e.getValue();
            boolean ok = v[0] >= 0 && v[1] > 0 && v[0] <= v[1] + segment;
            all &= ok;
            s.row(e.getKey() + ": Raft log / RocksDB, MiB (bound: trigger " + mib(v[1]) + " + one segment " + mib(segment)
                            + "); snapshots by bytes; applied index",
                    mib(v[0]) + " / " + mib(v[2]) + (ok ? "  within" : "  OVER") + "; " + (long) v[3] + "; " + (long) v[4]);
        }
        s.row("every node's Raft log within the snapshot byte trigger plus one segment", all ? "yes" : "no");
    }

    private static String mib(double bytes) {
        return bytes < 0 ? "n/a" : String.format(java.util.Locale.ROOT, "%.1f", bytes / 1048576.0);
    }

    private void restarts(Section s, Deadline d) throws Exception {
        // a follower: kill -9, start again, wait until its applied index reaches the others'
        Node leader = tokyo.awaitLeader(d);
        Node follower = tokyo.running().stream().filter(x -> x != leader).findFirst()
                .orElseThrow(() -> new Deadline.Failed("no running follower"));
        log("restarts: kill -9 follower %s", follower.id());
        tokyo.kill9(follower);
        long t0 = System.nanoTime();
        tokyo.start(follower);
        long[] f = awaitCaughtUp(tokyo, follower, t0, d);
        s.row("follower " + follower.id() + ": start -> /metrics answers, s", fmt(f[0] / 1e9));
        s.row("follower " + follower.id() + ": start -> caught up (applied index = the others'), s", fmt(f[1] / 1e9));
        s.row("follower applied index when caught up", f[2]);
        summary.row("follower kill -9 + start -> caught up, s", fmt(f[1] / 1e9));

        // the leader: kill -9, time to the first write acknowledged by the two others, then its catch-up
        String probe = "scale-probe/restart";
        retrying(tokyo, x -> tokyo.secrets(x).withDeadlineAfter(10, TimeUnit.SECONDS).createSecret(CreateSecretRequest
                .newBuilder().setName(probe).setSecretBinary(randomValue()).build()), d, "creating " + probe);
        Node old = tokyo.awaitLeader(d);
        log("restarts: kill -9 leader %s", old.id());
        tokyo.kill9(old);
        long k0 = System.nanoTime();
        int attempts = 0;
        while (true) {
            d.check("waiting for the first write after the leader's kill");
            List<Node> up = tokyo.running();
            Node via = up.get(attempts++ % up.size());
            try {
                tokyo.secrets(via).withDeadlineAfter(2, TimeUnit.SECONDS).putSecretValue(PutSecretValueRequest.newBuilder()
                        .setSecretId(probe).setSecretBinary(randomValue()).build());
                break;
            } catch (StatusRuntimeException e) {
                Thread.sleep(20);
            }
        }
        long firstWrite = System.nanoTime() - k0;
        s.row("leader " + old.id() + ": kill -9 -> first acknowledged write, s", fmt(firstWrite / 1e9));
        s.row("new leader", tokyo.leader().map(Node::id).orElse("?") + " (" + attempts + " write attempts)");
        summary.row("leader kill -9 -> first acknowledged write, s", fmt(firstWrite / 1e9));
        long t1 = System.nanoTime();
        tokyo.start(old);
        long[] o = awaitCaughtUp(tokyo, old, t1, d);
        s.row("old leader " + old.id() + ": start -> caught up as a follower, s", fmt(o[1] / 1e9));
    }

    /**
     * Waits until {@code x}'s applied index reaches the highest of the other running nodes' (all
     * from /metrics); returns {nanos to its first /metrics answer, nanos to caught up, its index}.
     */
    private long[] awaitCaughtUp(LocalRegion r, Node x, long since, Deadline d) throws InterruptedException {
        return awaitCaughtUp(r, x, since, d, STUCK_AFTER);
    }

    private long[] awaitCaughtUp(LocalRegion r, Node x, long since, Deadline d, Duration stuckAfter) throws InterruptedException {
        long firstAnswer = -1;
        long lastLog = System.nanoTime();
        long lastIndex = Long.MIN_VALUE;
        long lastMove = System.nanoTime();
        long lastBytes = -1;
        long lastSize = 0;
        while (true) {
            d.check("waiting for " + x.id() + " to catch up");
            if (!r.alive(x)) {
                throw new Deadline.Failed(x.id() + " exited while catching up: " + r.unexpectedExits());
            }
            long others = -1;
            for (Node o : r.running()) {
                if (o != x) {
                    others = Math.max(others, r.appliedIndex(o).orElse(-1));
                }
            }
            OptionalLong mine = r.appliedIndex(x);
            long now = System.nanoTime();
            if (mine.isPresent() && firstAnswer < 0) {
                firstAnswer = now - since;
            }
            if (mine.isPresent() && others > 0 && mine.getAsLong() >= others) {
                return new long[] {firstAnswer, now - since, mine.getAsLong()};
            }
            if (mine.orElse(Long.MIN_VALUE) != lastIndex) {
                lastIndex = mine.orElse(Long.MIN_VALUE);
                lastMove = now;
            } else if (now - lastSize > PROGRESS_EVERY.toNanos()) {
                long size = bytesUnder(x.dataDir()); // a snapshot being installed moves no index, but files grow
                if (size != lastBytes) {
                    lastBytes = size;
                    lastMove = now;
                }
                lastSize = now;
            }
            if (now - lastMove > stuckAfter.toNanos()) {
                throw new Deadline.Failed(x.id() + " made no progress for " + stuckAfter.toSeconds() + " s: applied index "
                        + (mine.isPresent() ? mine.getAsLong() : "(no answer)") + ", the others " + others + "; see " + x.log());
            }
            if (now - lastLog > PROGRESS_EVERY.toNanos()) {
                log("%s catching up: applied %s, the others %d", x.id(), mine.isPresent() ? mine.getAsLong() : "(no answer)", others);
                lastLog = now;
            }
            Thread.sleep(100);
        }
    }

    private void snapshotInstall(Section s, Deadline d) throws Exception {
        Node leader = tokyo.awaitLeader(d);
        for (Node x : tokyo.running()) {
            long t0 = System.nanoTime();
            long index = tokyo.admin(x).withDeadlineAfter(d.remaining().toSeconds() + 1, TimeUnit.SECONDS)
                    .takeSnapshot(TakeSnapshotRequest.getDefaultInstance()).getSnapshotIndex();
            s.row("TakeSnapshot on " + x.id() + (x == leader ? " (leader)" : "") + ": index, s", index + ", " + secs(t0));
        }
        // Ratis purges the leader's log up to a snapshot once that is purge_gap (default 1,024) entries past the
        // log's start, and only whole closed segments: until then an empty node could replay the log instead
        // (and a wiped node was seen to wait forever on "INCONSISTENCY nextIndex 0" then). Sequential writes,
        // each its own entry, and another snapshot get it there.
        String probe = "scale-probe/purge";
        int extraWrites = 0;
        OptionalLong logStart = awaitPurge(tokyo.awaitLeader(d), Duration.ofSeconds(10));
        while (logStart.orElse(0) == 0 && extraWrites < 10_000) {
            if (extraWrites == 0) {
                retrying(tokyo, x -> tokyo.secrets(x).withDeadlineAfter(10, TimeUnit.SECONDS).createSecret(CreateSecretRequest
                        .newBuilder().setName(probe).setSecretBinary(randomValue()).build()), d, "creating " + probe);
            }
            log("snapshot install: the leader's log is not purged yet; %d sequential writes more", 500);
            for (int i = 0; i < 500; i++) {
                put(tokyo, probe, d);
            }
            extraWrites += 500;
            Node l = tokyo.awaitLeader(d);
            tokyo.admin(l).withDeadlineAfter(Math.max(1, d.remaining().toSeconds()), TimeUnit.SECONDS)
                    .takeSnapshot(TakeSnapshotRequest.getDefaultInstance());
            logStart = awaitPurge(l, Duration.ofSeconds(10));
        }
        Node leader2 = tokyo.awaitLeader(d);
        s.row("sequential writes added until the leader's log was purged behind a snapshot", extraWrites);
        s.row("leader's Raft log starts at index (0: not purged, the new node may replay the log instead)",
                logStart.isPresent() ? logStart.getAsLong() : "n/a");
        Node follower = tokyo.running().stream().filter(x -> x != leader2).findFirst()
                .orElseThrow(() -> new Deadline.Failed("no running follower"));
        // The region keeps taking a write a second while the node catches up, as a live one does: with
        // heartbeats alone Ratis 3.3's leader keeps answering a wiped follower's "INCONSISTENCY nextIndex 0"
        // from its stale match index and never sends the snapshot (RATIS-2523); a real append breaks that.
        String live = "scale-probe/live";
        retrying(tokyo, x -> tokyo.secrets(x).withDeadlineAfter(10, TimeUnit.SECONDS).createSecret(CreateSecretRequest
                .newBuilder().setName(live).setSecretBinary(randomValue()).build()), d, "creating " + live);
        log("snapshot install: stop %s, delete its data directory, start it", follower.id());
        // first as the brief of issue 9 puts it: the node's data directory deleted, the node started again
        tokyo.stop(follower);
        tokyo.wipe(follower);
        long logFrom = Files.size(follower.log());
        long t0 = System.nanoTime();
        tokyo.start(follower);
        java.util.concurrent.ScheduledExecutorService ticker = java.util.concurrent.Executors
                .newSingleThreadScheduledExecutor();
        ticker.scheduleWithFixedDelay(() -> {
            try {
                put(tokyo, live, d);
            } catch (RuntimeException e) {
                log("snapshot install: a live write failed: %s", e.getMessage());
            }
        }, 1, 1, TimeUnit.SECONDS);
        long[] f;
        try {
            f = awaitCaughtUp(tokyo, follower, t0, d, IN_PLACE_STUCK_AFTER);
            s.row("in place (wiped, started again): start -> caught up, s", fmt(f[1] / 1e9));
        } catch (Deadline.Failed stuck) {
            d.check("the in-place attempt");
            s.row("in place (wiped, started again, still a member)", "stuck: " + stuck.getMessage());
            s.note("in place, the leader keeps answering the empty member's INCONSISTENCY (nextIndex 0) with heartbeats and"
                    + " sends neither the log nor the snapshot; README's \"Replace a node\" (members remove, start, members add)"
                    + " is what works");
            // README, "Replace a node": members remove OLD, start the new (empty) node, members add
            tokyo.stop(follower);
            retrying(tokyo, x -> tokyo.admin(x).withDeadlineAfter(60, TimeUnit.SECONDS).removeMember(RemoveMemberRequest
                    .newBuilder().setNodeId(follower.id()).build()), d, "RemoveMember " + follower.id());
            tokyo.wipe(follower);
            logFrom = Files.size(follower.log());
            t0 = System.nanoTime();
            tokyo.start(follower);
            long a0 = System.nanoTime();
            retrying(tokyo, x -> tokyo.admin(x).withDeadlineAfter(Math.max(1, d.remaining().toSeconds()), TimeUnit.SECONDS)
                    .addMember(AddMemberRequest.newBuilder().setMember(Member.newBuilder().setNodeId(follower.id())
                            .setRaftAddress(follower.raftAddress())
                            .setClientAddress(follower.clientAddress())).build()), d, "AddMember " + follower.id());
            s.row("replaced (members remove, wipe, start, members add): AddMember call, s", secs(a0));
            f = awaitCaughtUp(tokyo, follower, t0, d, STUCK_AFTER);
            s.row("replaced: start -> caught up, s", fmt(f[1] / 1e9));
        } finally {
            ticker.shutdownNow();
        }
        s.row("the region took a write a second meanwhile (a live region; see RATIS-2523)", "yes");
        s.row("its db/ after, MiB", mib(du(follower.dataDir().resolve("db"))));
        s.row("\"installed snapshot\" lines in its log since that start", countSince(follower.log(), logFrom, "installed snapshot"));
        summary.row("snapshot install on an empty node -> caught up, s", fmt(f[1] / 1e9)
                + (s.rows.stream().anyMatch(r -> r[1].startsWith("stuck")) ? " (after members remove/add; in place it stays stuck)" : ""));
    }

    /** Bytes in the files under {@code dir} (0 when it is gone); files deleted meanwhile are skipped. */
    private static long bytesUnder(Path dir) {
        long[] sum = {0};
        try {
            Files.walkFileTree(dir, new java.nio.file.SimpleFileVisitor<>() {
                @Override
                public java.nio.file.FileVisitResult visitFile(Path f, java.nio.file.attribute.BasicFileAttributes a) {
                    sum[0] += a.size();
                    return java.nio.file.FileVisitResult.CONTINUE;
                }

                @Override
                public java.nio.file.FileVisitResult visitFileFailed(Path f, IOException e) {
                    return java.nio.file.FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            return 0;
        }
        return sum[0];
    }

    private static OptionalLong awaitPurge(Node leader, Duration within) throws IOException, InterruptedException {
        long end = System.nanoTime() + within.toNanos();
        OptionalLong start = raftLogStart(leader);
        while (start.orElse(0) == 0 && System.nanoTime() < end) {
            Thread.sleep(500);
            start = raftLogStart(leader);
        }
        return start;
    }

    private static final Pattern SEGMENT = Pattern.compile("log_(?:inprogress_)?(\\d+)(?:-\\d+)?");

    /** The first index in the node's Raft log segments (log_START-END, log_inprogress_START). */
    private static OptionalLong raftLogStart(Node x) throws IOException {
        Path raft = x.dataDir().resolve("raft");
        if (!Files.exists(raft)) {
            return OptionalLong.empty();
        }
        try (Stream<Path> files = Files.walk(raft)) {
            return files.map(p -> SEGMENT.matcher(p.getFileName().toString())).filter(Matcher::matches)
                    .mapToLong(m -> Long.parseLong(m.group(1))).min();
        } catch (java.io.UncheckedIOException gone) {
            return OptionalLong.empty(); // a segment purged while walking
        }
    }

    private static long countSince(Path log, long offset, String text) throws IOException {
        byte[] all = Files.readAllBytes(log);
        String tail = new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset),
                StandardCharsets.ISO_8859_1);
        return tail.lines().filter(l -> l.contains(text)).count();
    }

    private void reseed(Section s, Deadline d) throws Exception {
        long t0 = System.nanoTime();
        osaka = LocalRegion.create("osaka", 3, jar, work.resolve("pki"), work, results.resolve("logs"), results.resolve("node.pids"));
        osaka.startAll();
        osaka.awaitReady(d.remaining());
        s.row("osaka: certificates, start to ready, s", secs(t0));
        retrying(tokyo, x -> tokyo.admin(x).withDeadlineAfter(30, TimeUnit.SECONDS).putRegionLink(PutRegionLinkRequest
                .newBuilder().setRegion("osaka").addAllAddresses(osaka.addresses()).build()), d, "linking tokyo to osaka");
        osakaLinked = true;
        long c0 = System.nanoTime();
        long replicated = retrying(tokyo, x -> tokyo.admin(x).withDeadlineAfter(Math.max(1, d.remaining().toSeconds()),
                TimeUnit.SECONDS).replicateRegion(ReplicateRegionRequest.newBuilder().setRegion("osaka").build()), d,
                "ReplicateRegion").getSecrets();
        long callNanos = System.nanoTime() - c0;
        s.row("ReplicateRegion call, s (secrets it named)", fmt(callNanos / 1e9) + " (" + String.format("%,d", replicated) + ")");
        log("re-seed: ReplicateRegion took %s s for %,d secrets; waiting for osaka", fmt(callNanos / 1e9), replicated);
        GetRegionStatusResponse status;
        RegionLinkStatus link;
        long lastLog = 0;
        while (true) {
            d.check("waiting for osaka to catch up with tokyo's journal");
            status = retrying(tokyo, x -> tokyo.admin(x).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .getRegionStatus(GetRegionStatusRequest.getDefaultInstance()), d, "GetRegionStatus in tokyo");
            link = status.getLinksList().stream().filter(l -> l.getRegion().equals("osaka")).findFirst()
                    .orElseThrow(() -> new Deadline.Failed("tokyo has no link to osaka"));
            if (link.getLagSequences() == 0 && link.getWatermark() >= status.getJournalHead() && status.getJournalHead() > 0) {
                break;
            }
            if (System.nanoTime() - lastLog > PROGRESS_EVERY.toNanos()) {
                log("re-seed: watermark %,d of journal head %,d (journal starts %,d), lag %,d, state %s%s", link.getWatermark(),
                        status.getJournalHead(), status.getJournalStart(), link.getLagSequences(), link.getState(),
                        link.getLastError().isEmpty() ? "" : ", last error: " + link.getLastError());
                lastLog = System.nanoTime();
            }
            Thread.sleep(1_000);
        }
        long syncNanos = System.nanoTime() - c0;
        s.row("ReplicateRegion call -> osaka's watermark at tokyo's journal head (lag 0), s", fmt(syncNanos / 1e9));
        s.row("re-seed rate, secrets/s", String.format("%,.0f", replicated * 1e9 / syncNanos));
        s.row("tokyo journal start .. head", status.getJournalStart() + " .. " + status.getJournalHead());
        GetRegionStatusResponse there = retrying(osaka, x -> osaka.admin(x).withDeadlineAfter(30, TimeUnit.SECONDS)
                .getRegionStatus(GetRegionStatusRequest.getDefaultInstance()), d, "GetRegionStatus in osaka");
        s.row("osaka: applied sequence from tokyo", there.getSourcesList().stream().filter(x -> x.getRegion().equals("tokyo"))
                .mapToLong(SourceRegionStatus::getAppliedSeq).findFirst().orElse(-1));
        int found = 0;
        int checked = 20;
        for (int i = 0; i < checked; i++) {
            String name = ScaleLoader.name(ThreadLocalRandom.current().nextLong(Math.max(1, loadedUpTo)));
            try {
                retrying(osaka, x -> osaka.secrets(x).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .getSecretValue(GetSecretValueRequest.newBuilder().setSecretId(name).build()), d, "reading in osaka");
                found++;
            } catch (StatusRuntimeException e) {
                s.note("osaka: " + name + ": " + e.getStatus().getCode());
            }
        }
        s.row("random secrets found in osaka", found + " of " + checked);
        summary.row("re-seed of " + String.format("%,d", replicated) + " secrets to osaka, s (call s)", fmt(syncNanos / 1e9)
                + " (" + fmt(callNanos / 1e9) + ")");
    }

    private void promote(Section s, Deadline d) throws Exception {
        for (Node x : tokyo.nodes()) {
            tokyo.kill9(x);
        }
        log("promotion: tokyo killed; PromoteRegion in osaka");
        long c0 = System.nanoTime();
        PromoteRegionResponse r = retrying(osaka, x -> osaka.admin(x).withDeadlineAfter(Math.max(1, d.remaining().toSeconds()),
                TimeUnit.SECONDS).promoteRegion(PromoteRegionRequest.getDefaultInstance()), d, "PromoteRegion");
        long callNanos = System.nanoTime() - c0;
        s.row("PromoteRegion call, s", fmt(callNanos / 1e9));
        s.row("secrets promoted", String.format("%,d", r.getPromotedSecrets()));
        String name = ScaleLoader.name(ThreadLocalRandom.current().nextLong(Math.max(1, loadedUpTo)));
        int attempts = 0;
        while (true) {
            d.check("waiting for a write to " + name + " in osaka");
            List<Node> up = osaka.running();
            Node via = up.get(attempts++ % up.size());
            try {
                osaka.secrets(via).withDeadlineAfter(5, TimeUnit.SECONDS).putSecretValue(PutSecretValueRequest.newBuilder()
                        .setSecretId(name).setSecretBinary(randomValue()).build());
                break;
            } catch (StatusRuntimeException e) {
                if (attempts == 1 || attempts % 50 == 0) {
                    log("promotion: write to %s: %s", name, e.getStatus());
                }
                Thread.sleep(50);
            }
        }
        long writeNanos = System.nanoTime() - c0;
        s.row("PromoteRegion call start -> first write to a formerly replica secret acknowledged, s", fmt(writeNanos / 1e9)
                + " (" + attempts + " attempts; " + fmt((writeNanos - callNanos) / 1e9) + " s after the call returned)");
        Table t = s.table("node", "kinko_apply_entry_seconds_max");
        String maxOfAll = "n/a";
        double worst = -1;
        for (Node x : osaka.running()) {
            OptionalDouble v = LocalRegion.max(osaka.scrape(x), "kinko_apply_entry_seconds_max");
            t.add(x.id(), v.isPresent() ? String.format("%.3f s", v.getAsDouble()) : "n/a");
            if (v.isPresent() && v.getAsDouble() > worst) {
                worst = v.getAsDouble();
                maxOfAll = String.format("%.3f s", worst);
            }
        }
        summary.row("PromoteRegion call s / to the first write s / max apply of one entry", fmt(callNanos / 1e9) + " / "
                + fmt(writeNanos / 1e9) + " / " + maxOfAll);
    }

    // --- helpers ---------------------------------------------------------------------------

    /**
     * Calls {@code call} on the region's leader (or any running node while it has none) until it
     * answers, retrying UNAVAILABLE, ABORTED, RESOURCE_EXHAUSTED and DEADLINE_EXCEEDED; anything
     * else is the answer and is thrown.
     */
    private <T> T retrying(LocalRegion r, Function<Node, T> call, Deadline d, String what) {
        int attempt = 0;
        while (true) {
            d.check(what);
            List<Node> up = r.running();
            if (up.isEmpty()) {
                throw new Deadline.Failed("no node of " + r.name() + " is running (" + what + ")");
            }
            Node via = r.leader().orElse(up.get(attempt % up.size()));
            try {
                return call.apply(via);
            } catch (StatusRuntimeException e) {
                if (!ScaleLoader.RETRYABLE.contains(e.getStatus().getCode())) {
                    throw e;
                }
                attempt++;
                if (attempt % 10 == 0) {
                    log("%s: retrying after %s", what, e.getStatus());
                }
                try {
                    Thread.sleep(Math.min(1_000, 50L * attempt));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new Deadline.Failed("interrupted while " + what);
                }
            }
        }
    }

    private static ByteString randomValue() {
        byte[] v = new byte[VALUE_BYTES];
        ThreadLocalRandom.current().nextBytes(v);
        return ByteString.copyFrom(v);
    }

    private List<LocalRegion> regions() {
        List<LocalRegion> out = new ArrayList<>();
        if (tokyo != null) {
            out.add(tokyo);
        }
        if (osaka != null) {
            out.add(osaka);
        }
        return out;
    }

    /** Every few seconds: RSS and heap of every running node, the maximum kept per node. */
    private void sample() {
        while (sampling) {
            for (LocalRegion r : regions()) {
                for (Node x : r.running()) {
                    r.rssBytes(x).ifPresent(v -> maxRss.merge(x.id(), v, Math::max));
                    r.heap(x).ifPresent(h -> {
                        maxHeap.merge(x.id(), h.bytes(), Math::max);
                        heapSource = h.source();
                    });
                }
            }
            try {
                Thread.sleep(SAMPLE_EVERY.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void setup() throws IOException {
        Section s = report.section("Setup");
        s.row("N (secrets to load)", String.format("%,d", n));
        s.row("kinko.jar", jar + " (" + Optional.ofNullable(System.getenv("KINKO_REV")).orElse("revision not given") + ")");
        s.row("node JVM", String.join(" ", LocalRegion.NODE_JVM_FLAGS) + " -jar kinko.jar server --config (as ops/systemd/kinko@.service)");
        s.row("driver JVM", Runtime.version() + " " + ManagementFactory.getRuntimeMXBean().getInputArguments());
        s.row("machine", Runtime.getRuntime().availableProcessors() + " cores, " + memTotal() + " RAM");
        s.row("started", LocalDateTime.now().withNano(0));
        s.row("values", VALUE_BYTES + " random bytes (secret_binary), names scale/00000000 ..");
        s.row("load concurrency (IN_FLIGHT)", inFlight);
        s.row("total time limit (TIME_LIMIT_MIN)", timeLimitMinutes > 0 ? timeLimitMinutes + " min" : "none");
        s.row("phases (PHASES)", phases.isEmpty() ? "all" : String.join(",", phases));
        s.row("node data (deleted at the end unless KEEP_DATA=1)", work);
        s.row("node logs", results.resolve("logs"));
        report.write();
    }

    private static String memTotal() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                    .map(l -> String.format("%.1f GiB", Long.parseLong(l.replaceAll("[^0-9]", "")) / 1048576.0))
                    .findFirst().orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }

    /** Stops every node (also on Ctrl-C or a failure), adds the run's memory and exits to the report. */
    private void cleanup() {
        if (!cleanedUp.compareAndSet(false, true)) {
            return;
        }
        stopping = true;
        sampling = false;
        Section m = report.section("Memory over the run (max of samples every " + SAMPLE_EVERY.toSeconds() + " s)");
        Table t = m.table("node", "max RSS MiB", "max heap used MiB", "OutOfMemoryError lines in its log");
        for (LocalRegion r : regions()) {
            for (Node x : r.nodes()) {
                t.add(x.id(), maxRss.containsKey(x.id()) ? mib(maxRss.get(x.id())) : "n/a",
                        maxHeap.containsKey(x.id()) ? mib(maxHeap.get(x.id())) : "n/a", r.countInLog(x, "OutOfMemoryError"));
            }
        }
        m.note("heap used from " + heapSource + "; node JVMs " + LocalRegion.NODE_JVM_FLAGS);
        long worstRss = tokyo == null ? 0 : tokyo.nodes().stream().mapToLong(x -> maxRss.getOrDefault(x.id(), 0L)).max().orElse(0);
        long worstHeap = tokyo == null ? 0 : tokyo.nodes().stream().mapToLong(x -> maxHeap.getOrDefault(x.id(), 0L)).max().orElse(0);
        summary.row("max RSS / max heap of a tokyo node, MiB", mib(worstRss) + " / " + mib(worstHeap) + " (heap from " + heapSource + ")");
        List<String> exits = new ArrayList<>();
        for (LocalRegion r : regions()) {
            exits.addAll(r.unexpectedExits());
            r.close();
        }
        summary.row("nodes that exited on their own", exits.isEmpty() ? "none" : String.join("; ", exits));
        summary.row("total time, s", secs(startNanos));
        summary.status = total.passed() && timeLimitMinutes > 0 ? "the total time limit (" + timeLimitMinutes + " min) ran out" : "";
        report.write();
        if (!"1".equals(System.getenv("KEEP_DATA"))) {
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | RuntimeException e) {
                log("could not delete %s: %s", work, e.getMessage());
            }
        }
        log("report: %s", results.resolve("report.md"));
    }

    // --- formatting ------------------------------------------------------------------------

    static void log(String format, Object... args) {
        System.err.println(LocalTime.now().withNano(0) + " " + String.format(format, args));
    }

    private static String secs(long sinceNanos) {
        return fmt((System.nanoTime() - sinceNanos) / 1e9);
    }

    private static String fmt(double seconds) {
        return String.format("%.1f", seconds);
    }

    private static String ms(long micros) {
        return String.format("%.1f", micros / 1000.0);
    }

    private static String mib(long bytes) {
        return String.format("%,.0f", bytes / 1048576.0);
    }

    private static int intEnv(String name, int fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : Integer.parseInt(v.strip());
    }
}
