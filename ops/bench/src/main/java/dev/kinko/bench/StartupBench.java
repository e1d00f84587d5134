package dev.kinko.bench;

import com.google.protobuf.ByteString;
import dev.kinko.bench.LocalRegion.Node;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a node's start-up time goes (issue 10, "Start-up and rejoin"). One region of 3 real node
 * processes ({@link LocalRegion}: PKI, TLS, the production JVM flags), then, per round:
 * <ol>
 *   <li>a follower killed with kill -9 and started again: process start -> the first write
 *       accepted through that node, and -> its applied index equal to the leader's (rejoin);</li>
 *   <li>the whole region killed with kill -9 and started again: process start -> the first
 *       acknowledged write (through any node).</li>
 * </ol>
 * The restarted node's phases come from its own log ({@code startup <node>: <phase> took N ms,
 * M ms since JVM start}, {@code the leader is now}, {@code leads and is ready}). Prints a table
 * and medians. Run by ops/robustness/startup/startup.sh.
 */
public final class StartupBench {
    private static final Pattern SINCE_JVM = Pattern.compile("(.*?),? (\\d+) ms since JVM start");
    private static final Duration WRITE_DEADLINE = Duration.ofSeconds(1);
    private static final Duration GIVE_UP = Duration.ofSeconds(90);

    private final Path jar;
    private final Path work;
    private final int rounds;
    private final List<String> flags;
    private final Map<String, List<Double>> figures = new LinkedHashMap<>();
    private LocalRegion tokyo;

    private StartupBench(Path jar, Path work, int rounds, List<String> flags) {
        this.jar = jar;
        this.work = work;
        this.rounds = rounds;
        this.flags = flags;
    }

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args.length > 0 ? args[0] : "cli/target/kinko.jar").toAbsolutePath();
        Path work = Path.of(args.length > 1 ? args[1] : "/tmp/kinko-startup").toAbsolutePath();
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        String env = System.getenv("NODE_JVM_FLAGS");
        List<String> flags = env == null || env.isBlank() ? null : Arrays.asList(env.trim().split("\\s+"));
        StartupBench bench = new StartupBench(jar, work, rounds, flags);
        Runtime.getRuntime().addShutdownHook(new Thread(bench::cleanup, "startup-bench-cleanup"));
        try {
            bench.run();
        } finally {
            bench.cleanup();
        }
        System.exit(0); // gRPC client threads would keep the JVM up
    }

    private void cleanup() {
        if (tokyo != null) {
            tokyo.close();
        }
    }

    private void run() throws Exception {
        Files.createDirectories(work);
        Path pki = work.resolve("pki");
        LocalRegion.initPki(jar, pki);
        tokyo = LocalRegion.create("tokyo", 3, jar, pki, work.resolve("data"), work.resolve("logs"), work.resolve("node.pids"));
        if (flags != null) {
            tokyo.nodeJvmFlags(flags);
        }
        log("startup bench: %s, %d rounds, node JVM %s, driver %s %s, %d cores, load average %s, %s", jar, rounds,
                tokyo.nodeJvmFlags(), Runtime.version(), ManagementFactory.getRuntimeMXBean().getInputArguments(),
                Runtime.getRuntime().availableProcessors(), loadAverage(), LocalDateTime.now().withNano(0));
        long t0 = System.nanoTime();
        tokyo.startAll();
        tokyo.awaitReady(GIVE_UP);
        log("first start of the region (empty, root token made): ready in %.2f s", secs(System.nanoTime() - t0));
        String probe = "startup-probe";
        while (true) {
            try {
                tokyo.secrets(tokyo.nodes().get(0)).withDeadlineAfter(10, TimeUnit.SECONDS).createSecret(
                        CreateSecretRequest.newBuilder().setName(probe).setSecretBinary(value()).build());
                break;
            } catch (StatusRuntimeException e) {
                if (System.nanoTime() - t0 > GIVE_UP.toNanos()) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
        for (int r = 1; r <= rounds; r++) {
            Thread.sleep(2000); // idle between rounds: compilation and the previous round settle
            followerRestart(r, probe);
            Thread.sleep(2000);
            regionRestart(r, probe);
        }
        log("");
        log("medians over %d rounds (node JVM %s; load average at the end %s):", rounds,
                String.join(" ", tokyo.nodeJvmFlags()), loadAverage());
        figures.forEach((k, v) -> log("  %-58s %6.2f s   (runs: %s)", k, median(v),
                v.stream().map(x -> String.format("%.2f", x)).toList()));
    }

    private void followerRestart(int round, String probe) throws Exception {
        Node leader = tokyo.awaitLeader(Deadline.after(GIVE_UP, "leader"));
        Node follower = tokyo.nodes().stream().filter(n -> n != leader).toList().get(round % 2);
        tokyo.kill9(follower);
        Thread.sleep(1500); // the leader notices: its appender to the follower fails and backs off, as after a crash
        long t0 = System.nanoTime();
        tokyo.start(follower);
        long write = firstWrite(List.of(follower), probe, t0);
        double cpu = cpuSeconds(follower);
        long caughtUp = caughtUp(follower, t0);
        figures.computeIfAbsent("follower restart: CPU seconds of the node until that write", k -> new ArrayList<>()).add(cpu);
        log("round %d: follower %s kill -9, start -> first write through it %.2f s, -> caught up %.2f s", round,
                follower.id(), secs(write), secs(caughtUp));
        record("follower restart: start -> first write through it", write);
        record("follower restart: start -> applied index = leader's", caughtUp);
        phases(follower, "follower restart");
    }

    private void regionRestart(int round, String probe) throws Exception {
        for (Node n : tokyo.nodes()) {
            tokyo.kill9(n);
        }
        Thread.sleep(500);
        long t0 = System.nanoTime();
        tokyo.startAll();
        long write = firstWrite(tokyo.nodes(), probe, t0);
        log("round %d: whole region kill -9, start -> first acknowledged write %.2f s", round, secs(write));
        record("region restart: start -> first acknowledged write", write);
        for (Node n : tokyo.nodes()) {
            phases(n, "region restart");
        }
    }

    /** Nanos from {@code t0} to the first PutSecretValue accepted through one of {@code via} (round robin). */
    private long firstWrite(List<Node> via, String probe, long t0) throws InterruptedException {
        int attempt = 0;
        while (true) {
            Node n = via.get(attempt++ % via.size());
            try {
                tokyo.secrets(n).withDeadlineAfter(WRITE_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                        .putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(probe).setSecretBinary(value()).build());
                return System.nanoTime() - t0;
            } catch (StatusRuntimeException e) {
                if (System.nanoTime() - t0 > GIVE_UP.toNanos()) {
                    throw new IllegalStateException("no write accepted within " + GIVE_UP + ": " + e.getStatus());
                }
                // the node's time, not the client's: without this the channel's reconnect back-off
                // (1 s, 1.6 s, 2.6 s, ... after each refused connection) adds up to seconds
                tokyo.channel(n).resetConnectBackoff();
                Thread.sleep(20);
            }
        }
    }

    /** Nanos from {@code t0} until {@code x}'s applied index reaches the leader's (both from /metrics). */
    private long caughtUp(Node x, long t0) throws InterruptedException {
        while (true) {
            OptionalLong mine = tokyo.appliedIndex(x);
            Node leader = tokyo.leader().orElse(null);
            OptionalLong theirs = leader == null ? OptionalLong.empty() : tokyo.appliedIndex(leader);
            if (mine.isPresent() && theirs.isPresent() && leader != x && mine.getAsLong() >= theirs.getAsLong()) {
                return System.nanoTime() - t0;
            }
            if (System.nanoTime() - t0 > GIVE_UP.toNanos()) {
                throw new IllegalStateException(x.id() + " did not catch up within " + GIVE_UP + ": applied " + mine
                        + ", leader's " + theirs);
            }
            Thread.sleep(50);
        }
    }

    /** The timed lines of the node's last start in its log; each also recorded as a figure. */
    private void phases(Node n, String scenario) throws IOException {
        List<String> lines = Files.readAllLines(n.log(), StandardCharsets.ISO_8859_1);
        int from = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("---- ")) {
                from = i;
            }
        }
        boolean leaderSeen = false;
        for (String line : lines.subList(from, lines.size())) {
            Matcher m = SINCE_JVM.matcher(line);
            if (!m.find()) {
                continue;
            }
            double at = Long.parseLong(m.group(2)) / 1000.0;
            String what = line.contains("startup ") ? line.replaceAll(".*startup [^:]*: ", "").replaceAll("( took|, \\d+ ms since JVM start).*", "")
                    : line.contains("leader is now") ? "leader known" : line.contains("leads and is ready") ? "leader ready"
                    : line.contains("state machine ready") ? "RocksDB open" : null;
            if (what == null || (what.equals("leader known") && leaderSeen)) {
                continue;
            }
            leaderSeen |= what.equals("leader known");
            figures.computeIfAbsent(scenario + ": JVM start -> " + what, k -> new ArrayList<>()).add(at);
        }
    }

    /** user + system CPU of the node's process so far (/proc/PID/stat, 100 ticks a second): load-independent. */
    private double cpuSeconds(Node n) {
        OptionalLong pid = tokyo.pid(n);
        if (pid.isEmpty()) {
            return Double.NaN;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid.getAsLong()), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    private void record(String what, long nanos) {
        figures.computeIfAbsent(what, k -> new ArrayList<>()).add(secs(nanos));
    }

    private static double median(List<Double> v) {
        List<Double> s = v.stream().sorted().toList();
        return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
    }

    private static double secs(long nanos) {
        return nanos / 1e9;
    }

    private static ByteString value() {
        byte[] v = new byte[64];
        ThreadLocalRandom.current().nextBytes(v);
        return ByteString.copyFrom(v);
    }

    private static void log(String format, Object... args) {
        System.out.println(String.format(format, args));
        System.out.flush();
    }
}
