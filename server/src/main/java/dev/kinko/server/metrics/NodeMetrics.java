package dev.kinko.server.metrics;

import com.sun.net.httpserver.HttpServer;
import dev.kinko.proto.raft.v1.JournalRecord;
import dev.kinko.proto.raft.v1.LinkRecord;
import dev.kinko.server.consensus.RaftNode;
import dev.kinko.server.domain.StateQueries;
import dev.kinko.server.replication.ShippingSupervisor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A node's metrics in Prometheus text format over HTTP ({@code GET /metrics}):
 * RPCs by method and code with latency histograms, Raft role, term, commit
 * and applied index, snapshots, and per link the replication lag (sequences,
 * seconds, and a histogram), watermark, journal size and link state.
 */
public final class NodeMetrics implements Closeable {
    /** A link counts as connected while the destination acknowledged within this. */
    static final long CONNECTED_WITHIN_MS = 5_000;

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Set<String> linkGauges = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService discovery;
    private HttpServer http;

    public NodeMetrics(RaftNode raft, StateQueries state, ShippingSupervisor shipping) {
        registry.config().commonTags("region", raft.region(), "node", raft.nodeId());
        Gauge.builder("kinko_raft_leader", () -> raft.view().role().equals("LEADER") ? 1 : 0)
                .description("1 while this node leads its region").register(registry);
        Gauge.builder("kinko_raft_term", () -> raft.view().term()).register(registry);
        Gauge.builder("kinko_raft_commit_index", () -> raft.view().commitIndex()).register(registry);
        Gauge.builder("kinko_raft_applied_index", () -> raft.view().appliedIndex()).register(registry);
        Gauge.builder("kinko_raft_snapshot_index", () -> raft.view().snapshotIndex()).register(registry);
        Gauge.builder("kinko_raft_has_leader", () -> raft.view().leaderId().isEmpty() ? 0 : 1).register(registry);
        Gauge.builder("kinko_data_dir_free_bytes", () -> dev.kinko.server.consensus.DiskGuard.usableBytes(
                raft.stateMachine().dbDir())).description("free bytes on the file system of this node's data directory; "
                + "below " + dev.kinko.server.consensus.DiskGuard.DEFAULT_MIN_FREE_BYTES + " the leader refuses writes (DISK_FULL)")
                .register(registry);
        // disk use (issue 14); the sizes are read from the files, at most once per scrape
        com.google.common.base.Supplier<dev.kinko.server.consensus.DataSizes> sizes =
                com.google.common.base.Suppliers.memoizeWithExpiration(raft::dataSizes, 1, TimeUnit.SECONDS);
        Gauge.builder("kinko_data_dir_size_bytes", () -> sizes.get().fileSystemBytes())
                .description("size of the file system of this node's data directory").register(registry);
        Gauge.builder("kinko_raft_log_bytes", () -> sizes.get().raftLogBytes())
                .description("bytes of this node's Raft log segments on disk").register(registry);
        Gauge.builder("kinko_db_bytes", () -> sizes.get().dbBytes())
                .description("bytes of this node's RocksDB directory").register(registry);
        Gauge.builder("kinko_snapshot_bytes", () -> sizes.get().snapshotBytes())
                .description("bytes of this node's snapshots (RocksDB checkpoints)").register(registry);
        Gauge.builder("kinko_raft_log_bytes_since_snapshot", raft::logBytesSinceSnapshot)
                .description("bytes of Raft entries applied since the last snapshot").register(registry);
        Gauge.builder("kinko_raft_snapshot_log_bytes", raft::snapshotLogBytes)
                .description("the byte trigger: a snapshot is taken once this many bytes of Raft entries were applied")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("kinko_snapshots_by_log_bytes", raft,
                RaftNode::snapshotsByLogBytes).description("snapshots the byte trigger took").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("kinko_snapshots_by_log_bytes_failed", raft,
                RaftNode::snapshotsByLogBytesFailed).description("snapshots the byte trigger failed to take").register(registry);
        Gauge.builder("kinko_journal_records", () -> Math.max(0, state.journalHead() - state.journalStart() + 1))
                .description("journal records kept for replica regions").register(registry);
        Timer snapshots = Timer.builder("kinko_snapshot_duration").description("snapshots taken and how long they took")
                .register(registry);
        raft.stateMachine().onSnapshot(snapshots::record);
        // the longest a single Raft entry held the apply thread (chunked jobs keep it short)
        Timer applies = Timer.builder("kinko_apply_entry").description("Raft entries applied and how long each took")
                .register(registry);
        raft.stateMachine().onEntryApplied(applies::record);
        discovery = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kinko-metrics-" + raft.nodeId());
            t.setDaemon(true);
            return t;
        });
        discovery.scheduleWithFixedDelay(() -> registerLinks(state, shipping), 0, 1, TimeUnit.SECONDS);
    }

    /** Links appear at run time: each gets its gauges and lag histogram once seen. */
    private void registerLinks(StateQueries state, ShippingSupervisor shipping) {
        try {
            for (LinkRecord l : state.links()) {
                String link = l.getRegion();
                if (!linkGauges.add(link)) {
                    continue;
                }
                Gauge.builder("kinko_replication_lag_sequences", () -> state.link(link)
                        .map(x -> Math.max(0, state.journalHead() - x.getWatermark())).orElse(0L))
                        .tag("link", link).register(registry);
                Gauge.builder("kinko_replication_lag_seconds", () -> lagSeconds(state, link))
                        .tag("link", link).register(registry);
                Gauge.builder("kinko_replication_watermark", () -> state.link(link).map(LinkRecord::getWatermark).orElse(0L))
                        .tag("link", link).register(registry);
                for (String s : List.of("connected", "disconnected", "fenced")) {
                    Gauge.builder("kinko_replication_link_state", () -> linkState(state, link).equals(s) ? 1 : 0)
                            .tag("link", link).tag("state", s).register(registry);
                }
                Timer lag = Timer.builder("kinko_replication_delay").tag("link", link).publishPercentileHistogram()
                        .description("time from a change applied here to its acknowledgement by the replica region")
                        .register(registry);
                shipping.lag(link).observe(ms -> lag.record(Duration.ofMillis(ms)));
                DistributionSummary window = DistributionSummary.builder("kinko_replication_batches_in_flight")
                        .tag("link", link).description("batches unanswered when the shipper sent one, that one included")
                        .register(registry);
                shipping.events(link).observeSent(window::record);
                Counter cancelled = Counter.builder("kinko_replication_batches_cancelled").tag("link", link)
                        .description("batches given up on before their answers were handled (behind a failed one, at a stop, "
                                + "a fencing or an address change); those still wanted are sent again")
                        .register(registry);
                shipping.events(link).observeCancelled(n -> cancelled.increment(n));
                Counter rewinds = Counter.builder("kinko_replication_rewinds").tag("link", link)
                        .description("times shipping went back to what the replica region holds (restored from a backup)")
                        .register(registry);
                shipping.events(link).observeRewinds(rewinds::increment);
            }
        } catch (RuntimeException e) {
            // storage closing or not ready: the next round registers what it can
        }
    }

    private static double lagSeconds(StateQueries state, String link) {
        return state.link(link).map(l -> {
            List<JournalRecord> oldest = state.journal(l.getWatermark() + 1, 1);
            return oldest.isEmpty() ? 0.0 : Math.max(0, System.currentTimeMillis() - oldest.get(0).getTimestampMillis()) / 1000.0;
        }).orElse(0.0);
    }

    private static String linkState(StateQueries state, String link) {
        return state.link(link).map(l -> l.getFenced() ? "fenced"
                : System.currentTimeMillis() - l.getAckedMillis() < CONNECTED_WITHIN_MS ? "connected" : "disconnected")
                .orElse("disconnected");
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Serves {@code /metrics} on {@code host:port}; returns the bound port. */
    public int serve(String host, int port) throws IOException {
        http = HttpServer.create(new InetSocketAddress(host, port), 0);
        http.createContext("/metrics", exchange -> {
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        http.start();
        return http.getAddress().getPort();
    }

    /** Held here: Micrometer keeps only a weak reference to what a function counter reads. */
    private final List<java.util.function.LongSupplier> watched = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Audit lines that could not be written, and the requests refused for it (audit fails closed). */
    public void watchAudit(java.util.function.LongSupplier writeFailures, java.util.function.LongSupplier refusals) {
        watched.add(writeFailures);
        watched.add(refusals);
        io.micrometer.core.instrument.FunctionCounter.builder("kinko_audit_write_failures", writeFailures,
                f -> f.getAsLong()).description("audit lines this node could not write").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("kinko_audit_refused_requests", refusals,
                f -> f.getAsLong()).description("requests refused because the audit line could not be written")
                .register(registry);
    }

    /** Rotation outcomes on this node while it led: failed attempts, rotations given up, rotations done. */
    public void watchRotation(java.util.function.LongSupplier attemptFailures, java.util.function.LongSupplier failed,
                              java.util.function.LongSupplier completed) {
        watched.add(attemptFailures);
        watched.add(failed);
        watched.add(completed);
        io.micrometer.core.instrument.FunctionCounter.builder("kinko_rotation_attempt_failures", attemptFailures,
                f -> f.getAsLong()).description("rotation steps that failed (each is retried with backoff)")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("kinko_rotations_failed", failed,
                f -> f.getAsLong()).description("rotations that gave up after their attempts").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("kinko_rotations_completed", completed,
                f -> f.getAsLong()).description("rotations that moved CURRENT to a new version").register(registry);
    }

    @Override
    public void close() {
        discovery.shutdownNow();
        if (http != null) {
            http.stop(0);
        }
        registry.close();
    }
}
