package dev.kinko.robustness;

import dev.kinko.bench.LocalRegion;
import dev.kinko.bench.LocalRegion.Node;
import dev.kinko.client.KinkoClient;
import dev.kinko.proto.v1.CreateTokenRequest;
import dev.kinko.proto.v1.PutPolicyRequest;
import dev.kinko.proto.v1.WhoAmIRequest;
import dev.kinko.robustness.history.HistoryChecks;
import dev.kinko.robustness.history.HistoryLog;
import dev.kinko.robustness.history.LinearizabilityChecker;
import dev.kinko.robustness.history.Op;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * One run of the suite: two regions of node processes, the clients, the nemesis (each fault kind at
 * least once: fault, hold, heal, quiet gap), then everything healed, replication left to settle,
 * and the checks. Writes the history and a summary into {@code results}.
 */
public final class RobustnessRun {
    public static final int SECRETS = 30;
    public static final int WRITERS = 8;
    public static final int READERS = 4;
    public static final int REPLICA_READERS = 2;
    /** Shortest quiet gap after a heal, once every node is back. */
    static final Duration MIN_QUIET = Duration.ofSeconds(2);
    /** Longest wait for every node to be back after a heal before the next fault goes in anyway. */
    static final Duration MAX_RECOVERY = Duration.ofSeconds(60);
    /** How long six nodes may take to start (and make the PKI); a loaded 2-core machine needed over 60 s. */
    static final Duration START_LIMIT = Duration.ofSeconds(Integer.getInteger("robustness.startSeconds", 240));
    /** How long the clients go on after the last fault's heal, waiting for a write to be acknowledged. */
    static final Duration LAST_RECOVERY = Duration.ofSeconds(90);
    static final Duration CONVERGENCE_LIMIT = Duration.ofSeconds(60);

    /** What happened to one fault: when it went in and out, and what it hit. */
    public record FaultRecord(String name, String target, long injectNanos, long healNanos, long recoveredNanos, String error) {}

    /** The run's outcome: counts, per-fault times, check verdicts. */
    public record Result(int acked, int unknown, int failed, int reads, int replicaReads, int lost, int staleReads,
                         int notLinearizable, int budgetExceeded, Map<String, Integer> errors, Map<String, Integer> undocumented,
                         boolean converged, double convergenceSeconds, List<String> skipped, List<String> unexpectedExits,
                         List<String> faultLines, int snapshotsTaken, String checks, String summary) {
        public boolean passed() {
            return lost == 0 && notLinearizable == 0 && budgetExceeded == 0 && undocumented.isEmpty() && converged;
        }
    }

    private final Path jar;
    private final Path results;
    private final Duration faultTime;
    private final Path logFile;
    private final long origin = System.nanoTime();

    public RobustnessRun(Path jar, Path results, Duration faultTime) {
        this.jar = jar;
        this.results = results;
        this.faultTime = faultTime;
        this.logFile = results.resolve("run.log");
    }

    void log(String line) {
        String l = String.format("%s [%7.1f s] %s", LocalTime.now().withNano(0), (System.nanoTime() - origin) / 1e9, line);
        System.out.println(l);
        try {
            Files.writeString(logFile, l + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Result run() throws Exception {
        Files.createDirectories(results);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no kinko.jar at " + jar + " (mvn -B -o -q -pl cli -am package -DskipTests)");
        }
        Path work = results.resolve("cluster");
        long t0 = System.nanoTime();
        try (Cluster cluster = Cluster.start(work, jar, this::log, START_LIMIT)) {
            log(String.format("two regions up in %.1f s", (System.nanoTime() - t0) / 1e9));
            String token = clientToken(cluster);
            try (KinkoClient client = KinkoClient.builder()
                    .region("tokyo", cluster.tokyo.addresses())
                    .region("osaka", cluster.osaka.addresses())
                    .tls(cluster.tokyo.caCert())
                    .token(token)
                    .build()) {
                Workload w = new Workload(client, SECRETS, WRITERS, READERS, REPLICA_READERS);
                w.createSecrets(this::log);
                log(SECRETS + " secrets created in tokyo with replicas in osaka; " + WRITERS + " writers, " + READERS
                        + " tokyo readers, " + REPLICA_READERS + " osaka readers");
                w.start();
                List<FaultRecord> records = new ArrayList<>();
                List<String> skipped = new ArrayList<>();
                try {
                    nemesis(cluster, records, skipped);
                    awaitAckAfter(w, records.isEmpty() ? System.nanoTime() : records.get(records.size() - 1).healNanos());
                } finally {
                    w.stop();
                }
                long healed = healAll(cluster);
                log("clients stopped, every fault healed; waiting for osaka to equal tokyo");
                return check(cluster, w, records, skipped, healed);
            }
        } finally {
            deleteData(work);
        }
    }

    /**
     * The clients' token: made in tokyo with the root token (a policy allowing every secrets action,
     * and a token of it), as an operator makes a service's token; it reaches osaka over the link
     * (root tokens stay in their region). Returns once osaka accepts it.
     */
    private String clientToken(Cluster cluster) throws Exception {
        String policy = "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", "
                + "\"Action\": \"secretsmanager:*\", \"Resource\": \"*\"}]}";
        String token;
        try (KinkoClient root = KinkoClient.builder().addresses(cluster.tokyo.addresses()).tls(cluster.tokyo.caCert())
                .token(cluster.tokyo.rootToken()).build()) {
            root.access(a -> a.putPolicy(PutPolicyRequest.newBuilder().setName("robustness").setDocument(policy).build()));
            token = root.access(a -> a.createToken(CreateTokenRequest.newBuilder().addPolicies("robustness")
                    .setTtlSeconds(86_400).setName("robustness").build())).getToken();
        }
        try (KinkoClient osaka = KinkoClient.builder().addresses(cluster.osaka.addresses()).tls(cluster.tokyo.caCert())
                .token(token).build()) {
            long end = System.nanoTime() + CONVERGENCE_LIMIT.toNanos();
            while (true) {
                try {
                    osaka.access(a -> a.whoAmI(WhoAmIRequest.getDefaultInstance()));
                    log("the clients' token (policy robustness: secretsmanager:*) made in tokyo works in osaka");
                    return token;
                } catch (RuntimeException e) {
                    if (System.nanoTime() > end) {
                        throw new IllegalStateException("osaka does not take the token made in tokyo: " + Workload.reason(e), e);
                    }
                    Thread.sleep(250);
                }
            }
        }
    }

    private List<Fault> schedule(Cluster c, boolean cycleExtra) {
        List<Fault> base = new ArrayList<>(List.of(
                new KillFault(c, KillFault.Whom.FOLLOWER),
                new KillFault(c, KillFault.Whom.LEADER),
                new PauseFault(c),
                new PartitionFault(c, PartitionFault.Cut.LEADER_FROM_REGION),
                new DiskFullFault(c),
                new PartitionFault(c, PartitionFault.Cut.REGIONS),
                new KillFault(c, KillFault.Whom.MINORITY),
                new ClockJumpFault(c, Duration.ofHours(2)),
                new KillFault(c, KillFault.Whom.REGION)));
        if (cycleExtra) {
            base.add(new ClockJumpFault(c, Duration.ofMinutes(-10)));
        }
        String only = System.getProperty("robustness.faults", "");
        if (!only.isBlank()) { // a subset by name, e.g. -Drobustness.faults=kill-leader,pause-leader (while developing)
            List<String> names = List.of(only.split(","));
            base.removeIf(f -> !names.contains(f.name()));
        }
        return base;
    }

    private void nemesis(Cluster cluster, List<FaultRecord> records, List<String> skipped) throws Exception {
        long end = System.nanoTime() + faultTime.toNanos();
        quiet(cluster);
        for (int round = 0; round == 0 || System.nanoTime() < end; round++) {
            for (Fault f : schedule(cluster, round > 0)) {
                if (round > 0 && System.nanoTime() >= end) {
                    break;
                }
                if (!f.unavailable().isEmpty()) {
                    if (round == 0) {
                        skipped.add(f.name() + ": " + f.unavailable());
                        log("!!! SKIPPED " + f.name() + ": " + f.unavailable());
                    }
                    continue;
                }
                long in = System.nanoTime();
                String error = "";
                try {
                    f.inject();
                    in = System.nanoTime(); // in once injected: a kill of three nodes takes a moment
                    log("fault " + f.name() + " in: " + f.target());
                } catch (Exception e) {
                    error = "inject: " + e.getMessage();
                    log("fault " + f.name() + " could not be injected: " + e);
                }
                Thread.sleep(f.hold().toMillis());
                long out = System.nanoTime();
                try {
                    f.heal();
                } catch (Exception e) {
                    error += (error.isEmpty() ? "" : "; ") + "heal: " + e.getMessage();
                    log("fault " + f.name() + " heal failed: " + e);
                }
                cluster.startMissing(); // a node the fault made exit by itself (recorded as an unexpected exit)
                log("fault " + f.name() + " healed");
                long recovered = quiet(cluster);
                records.add(new FaultRecord(f.name(), f.target(), in, out, recovered, error));
            }
        }
    }

    /**
     * Waits until every node runs and answers /metrics and both regions have a leader (at most
     * {@link #MAX_RECOVERY}), then {@link #MIN_QUIET}; returns when the nodes were back, or -1.
     */
    private long quiet(Cluster cluster) throws InterruptedException {
        long end = System.nanoTime() + MAX_RECOVERY.toNanos();
        long back = -1;
        while (System.nanoTime() < end) {
            boolean ok = true;
            for (LocalRegion r : cluster.regions()) {
                ok &= r.running().size() == r.nodes().size() && r.leader().isPresent();
                for (Node n : r.nodes()) {
                    ok &= !r.scrape(n).isEmpty();
                }
            }
            if (ok) {
                back = System.nanoTime();
                break;
            }
            Thread.sleep(250);
        }
        if (back < 0) {
            log("!!! not every node back within " + MAX_RECOVERY.toSeconds() + " s; going on");
        }
        Thread.sleep(MIN_QUIET.toMillis());
        return back;
    }

    /** Keeps the clients going until a write acknowledged after {@code healNanos} (the last fault's recovery), at most {@link #LAST_RECOVERY}. */
    private void awaitAckAfter(Workload w, long healNanos) throws InterruptedException {
        long end = System.nanoTime() + LAST_RECOVERY.toNanos();
        while (w.lastAck.get() - healNanos < 0 && System.nanoTime() < end) {
            Thread.sleep(100);
        }
        if (w.lastAck.get() - healNanos < 0) {
            log("!!! no write acknowledged within " + LAST_RECOVERY.toSeconds() + " s of the last heal");
        }
    }

    /** Heals whatever may still be in (a failed heal), restarts missing nodes; returns when done. */
    private long healAll(Cluster cluster) throws Exception {
        if (cluster.net != null) {
            cluster.net.healAll();
        }
        for (LocalRegion r : cluster.regions()) {
            for (Node n : r.nodes()) {
                r.pid(n).ifPresent(pid -> Cluster.signal("CONT", pid));
                Files.deleteIfExists(n.dataDir().resolve(DiskFullFault.BALLAST));
            }
        }
        if (cluster.clockFile != null) {
            Files.writeString(cluster.clockFile, "+0\n");
        }
        cluster.startMissing();
        quiet(cluster);
        return System.nanoTime();
    }

    private Result check(Cluster cluster, Workload w, List<FaultRecord> records, List<String> skipped, long healed)
            throws Exception {
        // convergence: osaka equal to tokyo, both read linearizably in their own region
        Map<String, String> tokyo = Map.of();
        Map<String, String> osaka = Map.of();
        long finalReadStart = 0;
        long finalReadEnd = 0;
        boolean converged = false;
        long deadline = System.nanoTime() + CONVERGENCE_LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            finalReadStart = System.nanoTime();
            tokyo = w.snapshot("tokyo");
            finalReadEnd = System.nanoTime();
            osaka = w.snapshot("osaka");
            if (tokyo.size() == w.keys.size() && tokyo.equals(osaka)) {
                converged = true;
                break;
            }
            Thread.sleep(250);
        }
        double convergence = (System.nanoTime() - healed) / 1e9;
        log(converged ? String.format("osaka equal to tokyo %.1f s after the final heal", convergence)
                : "!!! osaka NOT equal to tokyo after " + CONVERGENCE_LIMIT.toSeconds() + " s");
        List<Op> history = new ArrayList<>(w.history);
        for (Map.Entry<String, String> e : tokyo.entrySet()) { // the final reads, as OK reads of their time span
            history.add(new Op(Workload.SETUP_CLIENT + 1, e.getKey(), Op.Kind.READ, e.getValue(), finalReadStart, finalReadEnd,
                    Op.Outcome.OK, ""));
        }
        history.sort(Comparator.comparingLong(Op::invokeNanos));
        List<Op> replica = new ArrayList<>(w.replicaReads);
        HistoryLog.write(results.resolve("history.jsonl"), history);
        HistoryLog.write(results.resolve("replica-reads.jsonl"), replica);

        LinearizabilityChecker.Result lin = new LinearizabilityChecker().check(history);
        HistoryChecks.LostWrites lost = HistoryChecks.lostWrites(history, tokyo);
        HistoryChecks.StaleReads stale = HistoryChecks.staleReads(history);
        List<Op> all = new ArrayList<>(history);
        all.addAll(replica);
        HistoryChecks.ErrorCodes errors = HistoryChecks.errorCodes(all, DocumentedErrors.REASONS);
        HistoryChecks.Convergence conv = HistoryChecks.convergence("tokyo", tokyo, "osaka", osaka);
        String checks = String.join("\n", lin.report(), lost.message(), stale.message(), errors.message(), conv.message());

        int acked = 0;
        int unknown = 0;
        int failed = 0;
        int reads = 0;
        for (Op op : w.history) {
            if (op.kind() == Op.Kind.WRITE && op.client() != Workload.SETUP_CLIENT) {
                switch (op.outcome()) {
                    case OK -> acked++;
                    case UNKNOWN -> unknown++;
                    case FAILED -> failed++;
                }
            } else if (op.kind() == Op.Kind.READ) {
                reads++;
            }
        }
        List<long[]> ackSpans = w.history.stream().filter(o -> o.kind() == Op.Kind.WRITE && o.outcome() == Op.Outcome.OK
                && o.client() != Workload.SETUP_CLIENT).map(o -> new long[] {o.invokeNanos(), o.completeNanos()})
                .sorted(Comparator.comparingLong(a -> a[1])).toList();
        List<String> faultLines = new ArrayList<>();
        faultLines.add(String.format("%-20s %-46s %12s %12s %12s %10s", "fault", "target", "ack after in", "ack after heal",
                "longest gap", "nodes back"));
        for (FaultRecord f : records) {
            faultLines.add(String.format("%-20s %-46s %12s %12s %12s %10s%s", f.name(), trim(f.target(), 46),
                    secs(firstAckInvokedAfter(ackSpans, f.injectNanos()), f.injectNanos()),
                    secs(firstAckInvokedAfter(ackSpans, f.healNanos()), f.healNanos()),
                    String.format("%.1f s", longestGap(ackSpans, f.injectNanos(), f.recoveredNanos() > 0 ? f.recoveredNanos() : f.healNanos())),
                    f.recoveredNanos() > 0 ? String.format("%.1f s", (f.recoveredNanos() - f.healNanos()) / 1e9) : "never",
                    f.error().isEmpty() ? "" : "  ERROR " + f.error()));
        }
        List<String> exits = new ArrayList<>();
        cluster.regions().forEach(r -> exits.addAll(r.unexpectedExits()));
        int snapshots = cluster.snapshotsTaken();
        StringBuilder s = new StringBuilder();
        s.append("Kinko robustness run, ").append(LocalDateTime.now().withNano(0)).append(", faults for ")
                .append(faultTime.toSeconds()).append(" s\n");
        s.append(String.format("writes: %d acked, %d unknown, %d failed; lost %d%n", acked, unknown, failed, lost.lost().size()));
        s.append(String.format("reads (tokyo, linearizable): %d, stale %d; osaka reads: %d%n", reads, stale.count(), replica.size()));
        s.append(String.format("linearizability: %d keys not linearizable, %d over budget%n", lin.notLinearizable().size(),
                lin.budgetExceeded().size()));
        s.append("errors (reason -> count): ").append(errors.counts()).append('\n');
        s.append("snapshots taken by the nodes (by Raft log bytes): ").append(snapshots).append('\n');
        s.append("undocumented: ").append(errors.undocumented()).append('\n');
        s.append(converged ? String.format("convergence: osaka equal to tokyo %.1f s after the final heal%n", convergence)
                : "convergence: NOT converged within " + CONVERGENCE_LIMIT.toSeconds() + " s\n");
        s.append("\nper fault (ack after in/heal: first acknowledged write invoked after the fault went in / was healed;\n"
                + " longest gap: longest time without any acknowledged write from the fault until the nodes were back;\n"
                + " nodes back: heal -> every node running and answering, both regions with a leader):\n");
        faultLines.forEach(l -> s.append(l).append('\n'));
        if (!skipped.isEmpty()) {
            s.append("\nSKIPPED faults: ").append(skipped).append('\n');
        }
        if (!exits.isEmpty()) {
            s.append("\nnode exits nobody asked for: ").append(exits).append('\n');
        }
        s.append("\nchecks:\n").append(checks).append('\n');
        String summary = s.toString();
        Files.writeString(results.resolve("summary.txt"), summary);
        log("summary:\n" + summary);
        return new Result(acked, unknown, failed, reads, replica.size(), lost.lost().size(), stale.count(),
                lin.notLinearizable().size(), lin.budgetExceeded().size(), errors.counts(), errors.undocumented(), converged,
                convergence, skipped, exits, faultLines, snapshots, checks, summary);
    }

    private static long firstAckInvokedAfter(List<long[]> spansByComplete, long t) {
        for (long[] s : spansByComplete) {
            if (s[0] >= t) {
                return s[1];
            }
        }
        return -1;
    }

    private static double longestGap(List<long[]> spansByComplete, long from, long to) {
        long last = from;
        long gap = 0;
        for (long[] s : spansByComplete) {
            if (s[1] < from) {
                continue;
            }
            if (s[1] > to) {
                gap = Math.max(gap, s[1] - last);
                last = s[1];
                break;
            }
            gap = Math.max(gap, s[1] - last);
            last = s[1];
        }
        if (last < to) {
            gap = Math.max(gap, to - last);
        }
        return gap / 1e9;
    }

    private static String secs(long at, long since) {
        return at < 0 ? "none" : String.format("%.2f s", (at - since) / 1e9);
    }

    private static String trim(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }

    /** Deletes the nodes' data (keeps the logs and PKI next to the results). */
    private static void deleteData(Path work) throws IOException {
        for (String region : Cluster.REGIONS) {
            Path d = work.resolve(region);
            if (!Files.exists(d)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(d)) {
                for (Path f : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                    try {
                        Files.deleteIfExists(f);
                    } catch (IOException ignored) {
                        // a mount point still busy: left
                    }
                }
            }
        }
    }

    /** {@code RobustnessRun SECONDS [RESULTS_DIR]}; the jar from -Dkinko.jar (default cli/target/kinko.jar). Exit 1 when a check fails. */
    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        Path results = args.length > 1 ? Path.of(args[1])
                : Path.of("ops/robustness/results", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Path jar = Path.of(System.getProperty("kinko.jar", "cli/target/kinko.jar"));
        Result r = new RobustnessRun(jar.toAbsolutePath(), results.toAbsolutePath(), Duration.ofSeconds(seconds)).run();
        System.out.println(r.passed() ? "PASSED" : "FAILED");
        System.exit(r.passed() ? 0 : 1);
    }

    static Map<String, Integer> sorted(Map<String, Integer> m) {
        return new TreeMap<>(m);
    }
}
