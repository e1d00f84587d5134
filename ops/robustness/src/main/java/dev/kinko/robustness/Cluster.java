package dev.kinko.robustness;

import dev.kinko.bench.LocalRegion;
import dev.kinko.bench.LocalRegion.Node;
import dev.kinko.bench.LocalRegion.Placement;
import dev.kinko.proto.v1.PutRegionLinkRequest;
import dev.kinko.server.consensus.RaftSettings;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Two regions of real node processes, tokyo (primary) linked to osaka (replica), 3 nodes each,
 * started from kinko.jar as production starts them ({@link LocalRegion}), with the PKI and key
 * files made by the jar's own {@code kinko pki} and {@code kinko keygen}.
 *
 * <p>When it can (root, {@code ip netns}), every node runs in its own network namespace
 * ({@link Netns}) so partitions can be injected; otherwise on loopback, and partitions are
 * skipped. Every tokyo node's data directory is a small tmpfs (the disk-full fault fills one), and
 * one tokyo node ({@link #CLOCK_NODE}) runs with a wall-clock shim ({@link WallClockShim}) whose offset
 * file the clock fault writes.
 */
final class Cluster implements AutoCloseable {
    static final List<String> REGIONS = List.of("tokyo", "osaka");
    static final int NODES_PER_REGION = 3;
    /** The node whose wall clock the clock-jump fault moves. */
    static final String CLOCK_NODE = "tokyo-3";
    /**
     * Snapshots by Raft log bytes at the smallest size a config may set, in small log segments, so
     * that the faults meet snapshots taken (RocksDB checkpoints), logs purged behind them and
     * snapshots installed, not only a log replayed from its start: the default triggers (10,000
     * entries or 64 MiB) never fire in a run of minutes.
     */
    static final String RAFT_CONFIG = "raft:\n"
            + "  snapshot_log_bytes: " + RaftSettings.MIN_SNAPSHOT_LOG_BYTES + "\n"
            + "  segment_size_bytes: " + (1 << 20) + "\n";

    /** Size of each tokyo node's data directory (a tmpfs); the disk-full fault fills it. */
    static final String TMPFS_SIZE = "512m";

    final Path work;
    final Path jar;
    final Consumer<String> log;
    final Netns net; // null: loopback, no partitions
    final String netUnavailable; // why there is no net, or null
    final Path clockFile; // null: no wall-clock shim (no C compiler)
    private final Path clockShim;
    final String clockUnavailable;
    final List<Path> tmpfsMounts = new ArrayList<>();
    String tmpfsUnavailable;
    LocalRegion tokyo;
    LocalRegion osaka;

    private Cluster(Path work, Path jar, Consumer<String> log, Netns net, String netUnavailable, Path clockShim,
            Path clockFile, String clockUnavailable) {
        this.clockShim = clockShim;
        this.work = work;
        this.jar = jar;
        this.log = log;
        this.net = net;
        this.netUnavailable = netUnavailable;
        this.clockFile = clockFile;
        this.clockUnavailable = clockUnavailable;
    }

    static Cluster start(Path work, Path jar, Consumer<String> log, Duration within) throws Exception {
        List<String> ids = new ArrayList<>();
        for (String r : REGIONS) {
            for (int i = 1; i <= NODES_PER_REGION; i++) {
                ids.add(r + "-" + i);
            }
        }
        Netns net = null;
        String netUnavailable = null;
        try {
            net = Netns.create(ids);
        } catch (IOException | RuntimeException e) {
            netUnavailable = e.getMessage();
            log.accept("!!! NO NETWORK NAMESPACES (" + e.getMessage() + "): nodes run on loopback and the partition "
                    + "faults are SKIPPED");
        }
        Path clockShim = null;
        Path clockFile = null;
        String clockUnavailable = null;
        try {
            clockShim = WallClockShim.build(work);
            clockFile = work.resolve("wallclock-offset-" + CLOCK_NODE);
            WallClockShim.setOffset(clockFile, Duration.ZERO);
        } catch (IOException e) {
            clockUnavailable = e.getMessage();
            log.accept("!!! NO WALL-CLOCK SHIM (" + clockUnavailable + "): the clock-jump fault is SKIPPED");
        }
        Cluster c = new Cluster(work, jar, log, net, netUnavailable, clockShim, clockFile, clockUnavailable);
        // a run stopped with SIGTERM or Ctrl-C still kills its nodes, unmounts and removes its namespaces
        Runtime.getRuntime().addShutdownHook(new Thread(c::close, "robustness-cleanup"));
        try {
            c.startRegions(within);
            return c;
        } catch (Exception e) {
            c.close();
            throw e;
        }
    }

    private Placement placement(String id) {
        String host = net == null ? LocalRegion.HOST : net.ip(id);
        List<String> prefix = net == null ? List.of() : net.prefix(id);
        Map<String, String> env = new HashMap<>();
        if (clockFile != null && id.equals(CLOCK_NODE)) {
            env.putAll(WallClockShim.environment(clockShim, clockFile));
        }
        return new Placement(host, prefix, env);
    }

    private void startRegions(Duration within) throws Exception {
        Path pki = work.resolve("pki");
        Path logs = work.resolve("logs");
        Path pids = work.resolve("node.pids");
        LocalRegion.initPki(jar, pki);
        osaka = LocalRegion.create("osaka", NODES_PER_REGION, jar, pki, work.resolve("osaka"), logs, pids, this::placement);
        tokyo = LocalRegion.create("tokyo", NODES_PER_REGION, jar, pki, work.resolve("tokyo"), logs, pids, this::placement);
        for (LocalRegion r : regions()) {
            for (Node n : r.nodes()) {
                Files.writeString(n.config(), RAFT_CONFIG, StandardOpenOption.APPEND);
            }
        }
        for (Node n : tokyo.nodes()) {
            mountTmpfs(n.dataDir());
        }
        osaka.startAll();
        tokyo.startAll();
        tokyo.awaitReady(within);
        osaka.awaitReady(within);
        long end = System.nanoTime() + within.toNanos();
        while (true) {
            try {
                Node l = tokyo.leader().orElseThrow(() -> new IllegalStateException("no tokyo leader"));
                tokyo.admin(l).withDeadlineAfter(10, TimeUnit.SECONDS).putRegionLink(PutRegionLinkRequest.newBuilder()
                        .setRegion("osaka").addAllAddresses(osaka.addresses()).build());
                break;
            } catch (StatusRuntimeException | IllegalStateException e) {
                if (System.nanoTime() > end) {
                    throw new IllegalStateException("could not link tokyo to osaka: " + e.getMessage(), e);
                }
                Thread.sleep(300);
            }
        }
        log.accept("tokyo " + tokyo.addresses() + " linked to osaka " + osaka.addresses()
                + (net == null ? " (loopback)" : " (a network namespace per node, bridge " + net.bridgeIp() + ")"));
    }

    private void mountTmpfs(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        if (tmpfsUnavailable != null) {
            return;
        }
        try {
            Netns.run(true, "mount", "-t", "tmpfs", "-o", "size=" + TMPFS_SIZE + ",mode=0700", "tmpfs", dir.toString());
            tmpfsMounts.add(dir);
        } catch (IOException e) {
            tmpfsUnavailable = e.getMessage();
            log.accept("!!! NO TMPFS (" + e.getMessage() + "): the disk-full fault is SKIPPED");
        }
    }

    LocalRegion region(String name) {
        return name.equals("tokyo") ? tokyo : osaka;
    }

    /** Snapshots the nodes took so far, from their logs (each logs "snapshot taken at"). */
    int snapshotsTaken() {
        long n = 0;
        for (LocalRegion r : regions()) {
            for (Node node : r.nodes()) {
                n += r.countInLog(node, "snapshot taken at");
            }
        }
        return Math.toIntExact(n);
    }

    List<LocalRegion> regions() {
        return List.of(tokyo, osaka);
    }

    Node node(String id) {
        for (LocalRegion r : regions()) {
            for (Node n : r.nodes()) {
                if (n.id().equals(id)) {
                    return n;
                }
            }
        }
        throw new IllegalArgumentException(id);
    }

    LocalRegion regionOf(Node n) {
        return n.id().startsWith("tokyo") ? tokyo : osaka;
    }

    List<String> ids(LocalRegion r) {
        return r.nodes().stream().map(Node::id).toList();
    }

    /** The region's leader, waiting up to {@code within} for one. */
    Node leader(LocalRegion r, Duration within) throws InterruptedException {
        long end = System.nanoTime() + within.toNanos();
        while (true) {
            var l = r.leader();
            if (l.isPresent()) {
                return l.get();
            }
            if (System.nanoTime() > end) {
                throw new IllegalStateException("region " + r.name() + " has no leader after " + within.toSeconds() + " s");
            }
            Thread.sleep(100);
        }
    }

    /** Starts every node that is not running (after a kill). */
    void startMissing() throws IOException {
        for (LocalRegion r : regions()) {
            for (Node n : r.nodes()) {
                if (!r.alive(n)) {
                    r.start(n);
                }
            }
        }
    }

    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (LocalRegion r : new LocalRegion[] {tokyo, osaka}) {
            if (r != null) {
                for (Node n : r.nodes()) {
                    r.pid(n).ifPresent(pid -> signal("CONT", pid)); // a stopped JVM ignores nothing but SIGKILL
                }
                r.close();
            }
        }
        for (Path m : tmpfsMounts) {
            try {
                Netns.run(false, "umount", "-l", m.toString());
            } catch (IOException | InterruptedException ignored) {
                // best effort
            }
        }
        if (net != null) {
            net.close();
        }
    }

    static void signal(String sig, long pid) {
        if (pid <= 0) {
            throw new IllegalArgumentException("no process to signal: pid " + pid);
        }
        try {
            Netns.run(true, "kill", "-" + sig, Long.toString(pid));
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("kill -" + sig + " " + pid + ": " + e.getMessage(), e);
        }
    }
}
