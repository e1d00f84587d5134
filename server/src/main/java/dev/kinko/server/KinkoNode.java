package dev.kinko.server;

import dev.kinko.server.api.ApiServer;
import dev.kinko.server.api.aws.AwsArns;
import dev.kinko.server.api.aws.AwsEndpoint;
import dev.kinko.server.api.aws.AwsSignatures;
import dev.kinko.server.api.NodeServices;
import dev.kinko.server.backup.Backups;
import dev.kinko.server.config.NodeConfig;
import dev.kinko.server.consensus.GroupCommitter;
import dev.kinko.server.consensus.KinkoStateMachine;
import dev.kinko.server.consensus.RaftNode;
import dev.kinko.server.consensus.RaftTls;
import dev.kinko.server.consensus.StartupLog;
import dev.kinko.server.crypto.pki.NodeTls;
import dev.kinko.server.crypto.pki.PeerIdentity;
import dev.kinko.server.crypto.Aead;
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
import dev.kinko.server.storage.DataLayout;
import dev.kinko.server.storage.RocksStorage;
import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import dev.kinko.proto.raft.v1.Command;
import dev.kinko.proto.raft.v1.CommandBatch;
import dev.kinko.proto.raft.v1.RecordAuditHeadCommand;
import dev.kinko.server.api.security.AccessControl;
import dev.kinko.server.api.security.Authenticator;
import dev.kinko.server.api.security.RateLimiter;
import dev.kinko.server.api.security.RootTokenFile;
import dev.kinko.server.api.security.SecurityInterceptor;
import dev.kinko.server.audit.AuditAnchors;
import dev.kinko.server.audit.AuditLog;
import dev.kinko.server.frontend.AccessWriter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import dev.kinko.server.rotation.ExternalRotators;
import dev.kinko.server.rotation.RotationControl;
import dev.kinko.server.rotation.RotationRunner;
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
    private final AuditLog audit;
    private final ExecutorService rotationWorkers;
    private final Authenticator authenticator;
    /** Null when the node config sets no aws port. */
    private final AwsEndpoint awsEndpoint;

    /** How often each node records its audit chain head in the replicated state. */
    public static final Duration AUDIT_ANCHOR_INTERVAL = Duration.ofSeconds(5);
    /** How long authentication waits for this node to catch up before judging an unknown token. */
    static final Duration CATCH_UP_WITHIN = Duration.ofSeconds(2);
    /** Threads that run rotation steps (a JDBC login may block for its timeout). */
    static final int ROTATION_WORKERS = 2;
    /** How often a leader retries making the root token while the region has none. */
    static final Duration BOOTSTRAP_RETRY = Duration.ofMillis(500);

    private KinkoNode(NodeConfig config, RaftNode raft, GroupCommitter committer, ApiServer api,
                      ScheduledExecutorService housekeeping, ShippingSupervisor shipping, NodeMetrics metrics,
                      AuditLog audit, ExecutorService rotationWorkers, Authenticator authenticator,
                      AwsEndpoint awsEndpoint) {
        this.awsEndpoint = awsEndpoint;
        this.rotationWorkers = rotationWorkers;
        this.authenticator = authenticator;
        this.audit = audit;
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
        StartupLog phases = new StartupLog(config.nodeId());
        NodeConfig.Tls files = config.tls();
        NodeTls tls = NodeTls.load(config.region(), config.nodeId(), files.caFile(), files.certFile(), files.keyFile(),
                files.regionCertFile(), files.regionKeyFile(), files.clientAuthOrDefault());
        new DataLayout(config.dataDir()).secure();
        byte[] masterKey = MasterKeyFile.load(config.keyFile());
        phases.done("TLS material and key file");
        // a node of this region that is a member now (a removed node's certificate opens nothing)
        java.util.concurrent.atomic.AtomicReference<RaftNode> started = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.function.Predicate<String> member = id -> started.get() == null
                ? config.peers().stream().anyMatch(p -> p.id().equals(id))
                : started.get().members().stream().anyMatch(m -> m.nodeId().equals(id));
        RaftTls raftTls = new RaftTls(tls.nodeKeyManager(), tls.trustManager(), peer ->
                PeerIdentity.of(peer).map(p -> p.kind() == PeerIdentity.Kind.NODE && p.region().equals(config.region())
                        && member.test(p.nodeId())).orElse(false));
        RaftNode raft = RaftNode.start(config.region(), config.nodeId(), config.members(), config.dataDir(),
                config.raftSettings(), raftTls, (db, snapshots, tmp) ->
                        new KinkoStateMachine(db, snapshots, tmp, new CommandApplier(config.region())));
        started.set(raft);
        phases.done("Raft start (RocksDB open, log load)");
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
        phases.done("key check");
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
                config.shippingSettings(), links, tls.asRegion());
        NodeMetrics metrics = new NodeMetrics(raft, state, shipping);
        AccessWriter access = new AccessWriter(state, proposer, cipher, writer::ensureRegionKey);
        ExternalRotators externalRotators = new ExternalRotators();
        ExecutorService rotationWorkers = Executors.newFixedThreadPool(ROTATION_WORKERS, r -> {
            Thread t = new Thread(r, "kinko-rotation-" + config.nodeId());
            t.setDaemon(true);
            return t;
        });
        RotationRunner rotations = new RotationRunner(config.region(), raft, state, proposer, cipher, externalRotators,
                config.rotationSettings(), rotationWorkers);
        RotationControl rotationControl = new RotationControl(config.region(), state, proposer, rotations,
                externalRotators, rotationWorkers);
        AuditLog audit = AuditLog.open(config.effectiveAuditDir(), config.nodeId(), config.auditFileBytes());
        AccessControl accessControl = new AccessControl(config.region(), state);
        Authenticator authenticator = new Authenticator(config.region(), state, cipher, clock, () -> catchUp(raft), member);
        SecurityInterceptor security = new SecurityInterceptor(config.nodeId(), authenticator, accessControl, audit,
                new RateLimiter(config.ratePerSecond(), config.rateBurst()), clock, raft::isCaughtUp);
        metrics.watchAudit(audit::failures, security::auditRefusals);
        metrics.watchRotation(rotations::attemptFailures, rotations::rotationsFailed, rotations::rotationsCompleted);
        ApiServer api = null;
        AwsEndpoint awsEndpoint = null;
        try {
            if (config.metricsPort() != null) {
                int port = metrics.serve(config.host(), config.metricsPort());
                LOG.info("metrics on http://{}:{}/metrics", config.host(), port);
            }
            Backups backups = new Backups(state, raft.stateMachine().scratchDir(), config.region(), config.nodeId());
            api = ApiServer.start(config.host(), config.effectiveClientPort(), new NodeServices(raft, state, reader,
                    writer, replication, receiver, keyring, shipping, metrics.registry(), tls, access, accessControl,
                    security, backups, rotationControl, rotations, externalRotators));
            if (config.aws() != null && config.aws().port() != null) {
                awsEndpoint = AwsEndpoint.start(config.host(), config.aws().port(), tls.nodeKey(), tls.nodeCertificate(),
                        selfAddress(config), tls.asNode(), new AwsArns(config.region(), config.aws().account(), state),
                        new AwsSignatures(config.region(), authenticator, clock), security::auditRefusedAuthentication,
                        security::admit);
                LOG.info("AWS Secrets Manager endpoint on https://{}:{}", config.host(), awsEndpoint.port());
            }
        } catch (IOException e) {
            if (api != null) {
                api.close();
            }
            audit.close();
            metrics.close();
            shipping.close();
            committer.close();
            raft.close();
            throw e;
        }
        phases.done("front end, audit log, API server");
        ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kinko-housekeeping-" + config.nodeId());
            t.setDaemon(true);
            return t;
        });
        long every = config.purgeInterval().toMillis();
        housekeeping.scheduleWithFixedDelay(() -> purge(raft, writer), every, every, TimeUnit.MILLISECONDS);
        housekeeping.scheduleWithFixedDelay(() -> finishChunkedJobs(raft, state, replication), every, every,
                TimeUnit.MILLISECONDS);
        long rotationEvery = config.rotationSettings().checkInterval().toMillis();
        housekeeping.scheduleWithFixedDelay(rotations::tick, rotationEvery, rotationEvery, TimeUnit.MILLISECONDS);
        RootTokenFile root = new RootTokenFile(config.rootTokenFile(), state, access);
        housekeeping.scheduleWithFixedDelay(() -> bootstrapRoot(raft, root), 0, BOOTSTRAP_RETRY.toMillis(),
                TimeUnit.MILLISECONDS);
        AuditAnchors anchors = new AuditAnchors(audit, config.nodeId(), head -> raft.submitFromAnyMember(
                CommandBatch.newBuilder().addCommands(Command.newBuilder().setTimestampMillis(clock.millis())
                        .setRecordAuditHead(RecordAuditHeadCommand.newBuilder().setHead(head.toBuilder()
                                .setRecordedMillis(clock.millis())))).build().toByteArray()));
        housekeeping.scheduleWithFixedDelay(anchors::record, AUDIT_ANCHOR_INTERVAL.toMillis(),
                AUDIT_ANCHOR_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        if (StartupWarmup.begun()) {
            StartupWarmup.tookMillis().ifPresentOrElse(ms -> LOG.info("startup {}: the warm-up thread took {} ms",
                    config.nodeId(), ms), () -> LOG.info("startup {}: the warm-up thread is still running", config.nodeId()));
        }
        LOG.info("node {} of region {} serving on {}:{}; sealing with AES-GCM from {}", config.nodeId(), config.region(),
                config.host(), api.port(), Aead.implementation());
        return new KinkoNode(config, raft, committer, api, housekeeping, shipping, metrics, audit, rotationWorkers,
                authenticator, awsEndpoint);
    }

    /** Waits, within a bound, until this node has applied what the region committed. */
    private static void catchUp(RaftNode raft) {
        try {
            raft.readBarrier().get(CATCH_UP_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("this node could not catch up with its region: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    /** The region's first leader makes the root token; retried until the state holds one. */
    private static void bootstrapRoot(RaftNode raft, RootTokenFile root) {
        try {
            if (!root.done() && raft.isLeaderReady()) {
                root.bootstrap();
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not make the region's root token yet; will retry: {}", e.getMessage());
        }
    }

    /** Only the leader purges, by its own clock; the purge itself is a replicated command. */
    /**
     * A promotion or region copy whose leader changed before it finished: its progress is in the
     * state, so the new leader goes on with it (proposing a chunk that is already done is a no-op).
     */
    private static void finishChunkedJobs(RaftNode raft, dev.kinko.server.domain.StateQueries state,
                                          ReplicationWriter replication) {
        try {
            if (!raft.isLeaderReady()) {
                return;
            }
            if (state.promotion().isPresent()) {
                LOG.info("finishing the promotion a former leader started");
                replication.finishPromotion().get();
            }
            for (var link : state.links()) {
                if (link.getRegionCopyPending()) {
                    LOG.info("finishing the copy of this region's secrets to region {}", link.getRegion());
                    replication.finishRegionCopy(link.getRegion()).get();
                }
            }
        } catch (java.util.concurrent.ExecutionException | RuntimeException e) {
            LOG.warn("a chunked job could not go on yet; will retry: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

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
    /** The AWS endpoint's port, or -1 when this node serves none. */
    public int awsPort() {
        return awsEndpoint == null ? -1 : awsEndpoint.port();
    }

    /** The address this node's peers reach its gRPC port at (the AWS endpoint calls itself there). */
    private static String selfAddress(NodeConfig config) {
        return config.peers().stream().filter(p -> p.id().equals(config.nodeId())).findFirst()
                .map(NodeConfig.Peer::clientAddress).orElse(config.host() + ":" + config.effectiveClientPort());
    }

    /** This node's authenticator (the AWS endpoint's access keys; tests). */
    public Authenticator authenticator() {
        return authenticator;
    }

    public ShippingSupervisor shipping() {
        return shipping;
    }

    public int clientPort() {
        return api.port();
    }

    @Override
    public void close() throws IOException {
        housekeeping.shutdownNow();
        rotationWorkers.shutdownNow();
        metrics.close();
        shipping.close();
        if (awsEndpoint != null) {
            awsEndpoint.close();
        }
        api.close();
        committer.close();
        raft.close();
        audit.close();
    }
}
