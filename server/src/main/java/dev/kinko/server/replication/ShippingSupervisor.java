package dev.kinko.server.replication;

import dev.kinko.proto.raft.v1.LinkRecord;
import dev.kinko.server.consensus.RaftNode;
import dev.kinko.server.crypto.EnvelopeCipher;
import dev.kinko.server.domain.StateQueries;
import dev.kinko.server.frontend.ReplicationWriter;
import java.io.Closeable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link Shipper} per region link while this node leads, seeds the
 * links named in the configuration, and truncates the journal below what
 * every link still needs.
 */
public final class ShippingSupervisor implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(ShippingSupervisor.class);
    /** How often leadership and links are checked. */
    static final long CHECK_EVERY_MS = 200;
    /** Journal truncation is proposed at most this often. */
    static final long TRUNCATE_EVERY_MS = 2_000;

    private final String region;
    private final io.grpc.ChannelCredentials asRegion;
    private final RaftNode raft;
    private final StateQueries state;
    private final EnvelopeCipher cipher;
    private final ReplicationWriter writer;
    private final JournalSignal signal;
    private final ShippingSettings settings;
    private final Map<String, List<String>> configuredLinks;
    private final Map<String, Shipper> shippers = new ConcurrentHashMap<>();
    private final Map<String, Thread> threads = new HashMap<>();
    private final Map<String, ReplicationLag> lags = new ConcurrentHashMap<>();
    private final Map<String, ShippingEvents> events = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private boolean linksSeeded;
    private long lastTruncate;

    public ShippingSupervisor(String region, RaftNode raft, StateQueries state, EnvelopeCipher cipher,
                              ReplicationWriter writer, JournalSignal signal, ShippingSettings settings,
                              Map<String, List<String>> configuredLinks, io.grpc.ChannelCredentials asRegion) {
        this.asRegion = asRegion;
        this.region = region;
        this.raft = raft;
        this.state = state;
        this.cipher = cipher;
        this.writer = writer;
        this.signal = signal;
        this.settings = settings;
        this.configuredLinks = Map.copyOf(configuredLinks);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kinko-shipping-" + raft.nodeId());
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::check, CHECK_EVERY_MS, CHECK_EVERY_MS, TimeUnit.MILLISECONDS);
    }

    /** The replication lag of a link, recorded while this node leads. */
    public ReplicationLag lag(String destination) {
        return lags.computeIfAbsent(destination, d -> new ReplicationLag());
    }

    /** What happens to a link's batches (window, cancels, rewinds), recorded while this node leads. */
    public ShippingEvents events(String destination) {
        return events.computeIfAbsent(destination, d -> new ShippingEvents());
    }

    /** The last error of the shipper of a link on this node, or empty. */
    public String lastError(String destination) {
        Shipper s = shippers.get(destination);
        return s == null ? "" : s.lastError();
    }

    private synchronized void check() {
        try {
            if (!raft.isLeaderReady()) {
                stopAll();
                linksSeeded = false;
                return;
            }
            seedConfiguredLinks();
            Set<String> links = state.links().stream().map(LinkRecord::getRegion).collect(Collectors.toSet());
            for (String destination : links) {
                Thread t = threads.get(destination);
                if (t == null || !t.isAlive()) {
                    start(destination);
                }
            }
            for (String destination : List.copyOf(threads.keySet())) {
                if (!links.contains(destination)) {
                    stop(destination);
                }
            }
            truncateJournal();
        } catch (RuntimeException e) {
            LOG.warn("replication housekeeping failed; will retry: {}", e.getMessage());
        }
    }

    /** Links from the configuration are created once; later changes come from the admin API. */
    private void seedConfiguredLinks() {
        if (linksSeeded) {
            return;
        }
        configuredLinks.forEach((destination, addresses) -> {
            if (state.link(destination).isEmpty()) {
                writer.putLink(destination, addresses).join();
            }
        });
        linksSeeded = true;
    }

    private void truncateJournal() {
        long now = System.currentTimeMillis();
        if (now - lastTruncate < TRUNCATE_EVERY_MS) {
            return;
        }
        lastTruncate = now;
        long head = state.journalHead();
        long healthy = head;
        long fenced = Long.MAX_VALUE;
        for (LinkRecord l : state.links()) {
            if (l.getFenced()) {
                // what the promoted region never applied is the gap report: keep it
                fenced = Math.min(fenced, l.getReplicaAppliedSeq());
            } else {
                healthy = Math.min(healthy, l.getWatermark());
            }
        }
        long target = Math.min(Math.min(Math.max(healthy, head - settings.maxJournalLag()), fenced), head);
        if (target >= state.journalStart()) {
            writer.truncateJournal(target);
        }
    }

    private void start(String destination) {
        Shipper shipper = new Shipper(destination, region, raft, state, cipher, writer, signal, settings, lag(destination),
                events(destination), asRegion);
        Thread t = new Thread(shipper, "kinko-shipper-" + region + "-to-" + destination);
        t.setDaemon(true);
        shippers.put(destination, shipper);
        threads.put(destination, t);
        t.start();
        LOG.info("shipping the journal to region {}", destination);
    }

    private void stop(String destination) {
        Shipper s = shippers.remove(destination);
        if (s != null) {
            s.stop();
        }
        Thread t = threads.remove(destination);
        if (t != null) {
            t.interrupt();
        }
    }

    private void stopAll() {
        List.copyOf(threads.keySet()).forEach(this::stop);
    }

    @Override
    public synchronized void close() {
        timer.shutdownNow();
        stopAll();
    }
}
