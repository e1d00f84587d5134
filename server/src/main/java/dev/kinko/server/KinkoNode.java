package dev.kinko.server;

import dev.kinko.server.api.ApiServer;
import dev.kinko.server.api.NodeServices;
import dev.kinko.server.config.NodeConfig;
import dev.kinko.server.consensus.GroupCommitter;
import dev.kinko.server.consensus.KinkoStateMachine;
import dev.kinko.server.consensus.RaftNode;
import dev.kinko.server.crypto.CryptoException;
import dev.kinko.server.crypto.EnvelopeCipher;
import dev.kinko.server.crypto.Keyring;
import dev.kinko.server.crypto.MasterKeyFile;
import dev.kinko.server.crypto.TransportKeys;
import dev.kinko.server.domain.CommandApplier;
import dev.kinko.server.frontend.Proposer;
import dev.kinko.server.metrics.NodeMetrics;
import dev.kinko.server.frontend.ReplicationWriter;
import dev.kinko.server.frontend.SecretReader;
import dev.kinko.server.frontend.SecretWriter;
import dev.kinko.server.replication.JournalSignal;
import dev.kinko.server.replication.ReplicaReceiver;
import dev.kinko.server.replication.ShippingSupervisor;
import dev.kinko.server.storage.RocksStorage;
import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One Kinko node: wires key file, Raft, storage, front end and the gRPC API together. */
public final class KinkoNode implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(KinkoNode.class);

    private final NodeConfig config;
    private final RaftNode raft;
    private final GroupCommitter committer;
    private final ApiServer api;
    private final ScheduledExecutorService housekeeping;
    private final ShippingSupervisor shipping;
    private final NodeMetrics metrics;

    private KinkoNode(NodeConfig config, RaftNode raft, GroupCommitter committer, ApiServer api,
                      ScheduledExecutorService housekeeping, ShippingSupervisor shipping, NodeMetrics metrics) {
        this.shipping = shipping;
        this.metrics = metrics;
        this.config = config;
        this.raft = raft;
        this.committer = committer;
        this.api = api;
        this.housekeeping = housekeeping;
    }

    public static KinkoNode start(NodeConfig config) throws IOException {
        return start(config, Clock.systemUTC());
    }

    /** {@code clock} is the clock this node uses when it leads: command times and purge decisions. */
    public static KinkoNode start(NodeConfig config, Clock clock) throws IOException {
        byte[] masterKey = MasterKeyFile.loadOrCreate(config.keyFile());
        RaftNode raft = RaftNode.start(config.region(), config.nodeId(), config.members(), config.dataDir(),
                config.raftSettings(), (db, snapshots, tmp) ->
                        new KinkoStateMachine(db, snapshots, tmp, new CommandApplier(config.region())));
        RocksStorage state = raft.stateMachine().storage();
        Keyring keyring = new Keyring(masterKey, state::regionKeys);
        try {
            // a wrong copy of the key file is refused now, not at the first read of a value
            keyring.verifyAll();
        } catch (CryptoException e) {
            raft.close();
            throw new IOException("node " + config.nodeId() + ": the key file " + config.keyFile()
                    + " does not open the region keys this node holds; copy the region's key file there", e);
        }
        TransportKeys transportKeys = new TransportKeys(masterKey, state::transportKeys);
        Arrays.fill(masterKey, (byte) 0);
        EnvelopeCipher cipher = new EnvelopeCipher(keyring);
        GroupCommitter committer = new GroupCommitter(raft);
        Proposer proposer = new Proposer(committer, clock);
        SecretWriter writer = new SecretWriter(state, cipher, keyring, proposer);
        SecretReader reader = new SecretReader(state, cipher, raft);
        ReplicationWriter replication = new ReplicationWriter(config.region(), state, transportKeys, proposer);
        ReplicaReceiver receiver = new ReplicaReceiver(config.region(), state, cipher, transportKeys, replication, writer);
        JournalSignal signal = new JournalSignal();
        raft.stateMachine().onApplied(() -> signal.applied(state.journalHead()));
        Map<String, List<String>> links = new LinkedHashMap<>();
        config.links().forEach(l -> links.put(l.region(), l.addresses()));
        ShippingSupervisor shipping = new ShippingSupervisor(config.region(), raft, state, cipher, replication, signal,
                config.shippingSettings(), links);
        NodeMetrics metrics = new NodeMetrics(raft, state, shipping);
        ApiServer api;
        try {
            if (config.metricsPort() != null) {
                int port = metrics.serve(config.host(), config.metricsPort());
                LOG.info("metrics on http://{}:{}/metrics", config.host(), port);
            }
            api = ApiServer.start(config.host(), config.effectiveClientPort(), new NodeServices(raft, state, reader,
                    writer, replication, receiver, keyring, shipping, metrics.registry()));
        } catch (IOException e) {
            metrics.close();
            shipping.close();
            committer.close();
            raft.close();
            throw e;
        }
        ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kinko-housekeeping-" + config.nodeId());
            t.setDaemon(true);
            return t;
        });
        long every = config.purgeInterval().toMillis();
        housekeeping.scheduleWithFixedDelay(() -> purge(raft, writer), every, every, TimeUnit.MILLISECONDS);
        LOG.info("node {} of region {} serving on {}:{}", config.nodeId(), config.region(), config.host(), api.port());
        return new KinkoNode(config, raft, committer, api, housekeeping, shipping, metrics);
    }

    /** Only the leader purges, by its own clock; the purge itself is a replicated command. */
    private static void purge(RaftNode raft, SecretWriter writer) {
        try {
            if (raft.isLeaderReady()) {
                int purged = writer.purgeDueDeletions();
                if (purged > 0) {
                    LOG.info("purged {} secrets whose recovery window ended", purged);
                }
                writer.forgetOldRequests();
            }
        } catch (RuntimeException e) {
            LOG.warn("purge of deleted secrets failed; will retry: {}", e.getMessage());
        }
    }

    public NodeConfig config() {
        return config;
    }

    public RaftNode raft() {
        return raft;
    }

    /** Replication from this region, while this node leads (lag per link). */
    public ShippingSupervisor shipping() {
        return shipping;
    }

    public int clientPort() {
        return api.port();
    }

    @Override
    public void close() throws IOException {
        housekeeping.shutdownNow();
        metrics.close();
        shipping.close();
        api.close();
        committer.close();
        raft.close();
    }
}
