package dev.kinko.server.testing;

import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.AdminServiceGrpc;
import dev.kinko.proto.v1.SecretsServiceGrpc;
import dev.kinko.server.KinkoNode;
import dev.kinko.server.backup.BackupRestore;
import dev.kinko.server.config.NodeConfig;
import dev.kinko.server.storage.FileTrees;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ConditionTimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real region for tests: N nodes (real Ratis, RocksDB and gRPC) on free
 * loopback ports, data in a temporary directory, one shared key file.
 */
public final class TestRegion implements AutoCloseable {
    /** How long tests wait for the region to settle (elections, catch-up). */
    public static final Duration SETTLE = Duration.ofSeconds(30);

    private final String region;
    private final Path root;
    private final Clock clock;
    private final List<NodeConfig> configs = new ArrayList<>();
    private final KinkoNode[] nodes;
    private final ManagedChannel[] channels;
    private final ManagedChannel[] bareChannels;
    private volatile String rootToken;
    /** With {@link Builder#pausableClientPorts}: the relay in front of each node's client port, else null. */
    private final PausableProxy[] proxies;

    private TestRegion(String region, Path root, int size, NodeConfig.Raft raft, int purgeSeconds, Clock clock,
                       List<NodeConfig.Link> links, Long maxJournalLag, Long auditFileBytes,
                       NodeConfig.RateLimit rateLimit, String clientAuth, List<NodeConfig.Peer> fixedPeers,
                       boolean pausable, NodeConfig.Rotation rotation, NodeConfig.Aws aws) {
        this.region = region;
        this.root = root;
        this.clock = clock;
        this.nodes = new KinkoNode[size];
        this.channels = new ManagedChannel[size];
        this.bareChannels = new ManagedChannel[size];
        List<NodeConfig.Peer> peers = new ArrayList<>();
        if (fixedPeers != null) {
            peers.addAll(fixedPeers);
        } else {
            for (int i = 0; i < size; i++) {
                peers.add(new NodeConfig.Peer(region + "-" + (i + 1), "127.0.0.1:" + Ports.free(), "127.0.0.1:" + Ports.free()));
            }
        }
        this.proxies = new PausableProxy[size];
        for (int i = 0; i < size; i++) {
            int clientPort = 0; // the port of its peer entry
            if (pausable) {
                // the region (and the tests) reach the node through a relay on its advertised port
                String advertised = peers.get(i).clientAddress();
                clientPort = Ports.free();
                proxies[i] = new PausableProxy(Integer.parseInt(advertised.substring(advertised.lastIndexOf(':') + 1)),
                        clientPort);
            }
            configs.add(new NodeConfig(peers.get(i).id(), region, root.resolve(peers.get(i).id()),
                    root.resolve(region + ".key"), "127.0.0.1", clientPort, peers, raft, purgeSeconds, links, maxJournalLag,
                    Ports.free(), TestPki.nodeTls(region, peers.get(i).id(), clientAuth),
                    root.resolve("root-token"), new NodeConfig.Audit(null, auditFileBytes), rateLimit, rotation, aws));
        }
    }

    public static Builder builder(String region, Path root) {
        return new Builder(region, root);
    }

    public static TestRegion start(String region, Path root) {
        return builder(region, root).start();
    }

    public static final class Builder {
        private final String region;
        private final Path root;
        private int size = 3;
        private NodeConfig.Raft raft = new NodeConfig.Raft(null, null, null, null, null, null, null);
        private int purgeSeconds = NodeConfig.DEFAULT_PURGE_INTERVAL_SECONDS;
        private Clock clock = Clock.systemUTC();
        private final List<NodeConfig.Link> links = new ArrayList<>();
        private Long maxJournalLag;
        private Long auditFileBytes;
        private NodeConfig.RateLimit rateLimit;
        /** Rotation checked every 100 ms, retried after 200 ms (doubling): tests need not wait minutes. */
        private NodeConfig.Rotation rotation = new NodeConfig.Rotation(3, 200L, 100L, 10_000L);
        private NodeConfig.Aws aws;
        private boolean ownRootToken;
        private String clientAuth = "optional";
        private Path restoreFrom;
        private Path keyFrom;
        private Path rootTokenFrom;
        private List<NodeConfig.Peer> peers;
        private boolean pausable;

        Builder(String region, Path root) {
            this.region = region;
            this.root = root;
        }

        public Builder size(int size) {
            this.size = size;
            return this;
        }

        /** Snapshot every {@code threshold} entries with small log segments, so the log gets purged. */
        public Builder snapshotEvery(long threshold) {
            this.raft = new NodeConfig.Raft(null, null, null, threshold, 8L * 1024, 8, null);
            return this;
        }

        /** Snapshots by Raft log bytes only (the entry trigger set out of reach), in segments of {@code segmentBytes}. */
        public Builder snapshotLogBytes(long trigger, long segmentBytes) {
            this.raft = new NodeConfig.Raft(null, null, null, 1_000_000_000L, segmentBytes, null, trigger);
            return this;
        }

        public Builder purgeEverySecond() {
            this.purgeSeconds = 1;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** Links this region, as a primary, to a replica region's nodes. */
        public Builder link(TestRegion replica) {
            links.add(new NodeConfig.Link(replica.name(), List.of(replica.addresses().split(","))));
            return this;
        }

        /** Links this region, as a primary, to a replica region by name and client addresses (it need not run yet). */
        public Builder link(String replica, List<String> addresses) {
            links.add(new NodeConfig.Link(replica, List.copyOf(addresses)));
            return this;
        }

        /**
         * The region's nodes, with fixed addresses, instead of {@code size} nodes on free ports. Nodes
         * start on whatever their data directories ({@code root/<region>/<node id>}) already hold, e.g.
         * a data directory unzipped from a fixture, with the key file and root token file beside them:
         * its Raft log names the members' addresses, so the same ones must be given here.
         */
        public Builder peers(List<NodeConfig.Peer> peers) {
            this.peers = List.copyOf(peers);
            this.size = peers.size();
            return this;
        }

        /**
         * Each node's client port behind a {@link PausableProxy} on the address the region advertises,
         * so a test can make a node's API stop answering ({@link #pauseClientPort}) as a paused process would,
         * or drop its connections ({@link #dropClientConnections}).
         */
        public Builder pausableClientPorts() {
            this.pausable = true;
            return this;
        }

        /** The region's first leader makes its own root token (the test's regions do not share one). */
        public Builder ownRootToken() {
            this.ownRootToken = true;
            return this;
        }

        /** The nodes' tls.client_auth: none, optional (the default here) or require. */
        public Builder clientAuth(String clientAuth) {
            this.clientAuth = clientAuth;
            return this;
        }

        /** Each identity may send this many requests a second, in bursts of {@code burst}. */
        /** Every node serves the AWS-compatible endpoint on a free port. */
        public Builder awsEndpoint() {
            this.aws = new NodeConfig.Aws(0, "123456789012");
            return this;
        }

        public Builder rotation(int maxAttempts, long retryBackoffMs, long externalStepTimeoutMs) {
            this.rotation = new NodeConfig.Rotation(maxAttempts, retryBackoffMs, 100L, externalStepTimeoutMs);
            return this;
        }

        public Builder rateLimit(double perSecond, int burst) {
            this.rateLimit = new NodeConfig.RateLimit(perSecond, burst);
            return this;
        }

        /** Rotate the nodes' audit files at this size (small: a test sees rotation soon). */
        public Builder auditFileBytes(long bytes) {
            this.auditFileBytes = bytes;
            return this;
        }

        /** Keep at most this many journal records for a lagging replica region (then re-seed it). */
        public Builder maxJournalLag(long records) {
            this.maxJournalLag = records;
            return this;
        }

        /**
         * Before any node starts, restore every node from a backup, with copies of the backed-up
         * region's key file and root token file.
         */
        public Builder restoreFrom(Path backup, Path keyFile, Path rootTokenFile) {
            this.restoreFrom = backup;
            this.keyFrom = keyFile;
            this.rootTokenFrom = rootTokenFile;
            return this;
        }

        public TestRegion start() {
            TestRegion r = new TestRegion(region, root.resolve(region), size, raft, purgeSeconds, clock, links,
                    maxJournalLag, auditFileBytes, rateLimit, clientAuth, peers, pausable, rotation, aws);
            if (restoreFrom != null) {
                r.restore(restoreFrom, keyFrom, rootTokenFrom);
            } else {
                r.ensureKeyFile();
                if (!ownRootToken) {
                    r.seedRootToken(root);
                }
            }
            for (int i = 0; i < size; i++) {
                r.startNode(i);
            }
            r.awaitLeader();
            r.awaitRootToken();
            // the new leader seeds the configured links into the replicated state
            await().atMost(SETTLE).until(() -> links.stream().allMatch(l ->
                    r.node(r.awaitLeader()).raft().stateMachine().storage().link(l.region()).isPresent()));
            return r;
        }
    }

    /**
     * Every region started under one test directory starts with the same root token (as
     * {@code kinko dev} does), so one client with one token works against tokyo and osaka.
     */
    private void seedRootToken(Path testRoot) {
        Path shared = testRoot.resolve("shared-root-token");
        try {
            synchronized (TestRegion.class) {
                if (!Files.exists(shared)) {
                    Files.createDirectories(testRoot);
                    Files.writeString(shared, dev.kinko.server.crypto.AccessTokens.issue().token() + "\n");
                }
            }
            if (!Files.exists(config(0).rootTokenFile())) {
                Files.createDirectories(config(0).rootTokenFile().getParent());
                Files.copy(shared, config(0).rootTokenFile());
                ownerOnly(config(0).rootTokenFile());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A root token file a node accepts: its owner's alone, as a region's first leader writes it. */
    private static void ownerOnly(Path file) throws IOException {
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    private void ensureKeyFile() {
        Path key = config(0).keyFile();
        try {
            if (!Files.exists(key)) {
                Files.createDirectories(key.getParent());
                dev.kinko.server.crypto.MasterKeyFile.generate(key);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the region's first leader wrote the root token; every test channel carries it. */
    private void awaitRootToken() {
        Path file = config(0).rootTokenFile();
        await().atMost(SETTLE).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (!Files.exists(file)) {
                return false;
            }
            String token = Files.readString(file).strip();
            for (KinkoNode n : nodes) { // every running node knows it, so a test's first call anywhere works
                if (n != null && n.raft().stateMachine().storage().tokens().stream().noneMatch(t -> t.getRoot()
                        && dev.kinko.server.crypto.AccessTokens.matches(token, t.getHash().toByteArray()))) {
                    return false;
                }
            }
            return true;
        });
        try {
            rootToken = Files.readString(file).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The region's root token (its first leader wrote it to root_token_file). */
    public String rootToken() {
        return rootToken;
    }

    /** The deployment CA every region of this test trusts. */
    public Path caFile() {
        return TestPki.caFile();
    }

    /** TLS to this region's nodes, trusting the test's CA, with no client certificate. */
    public io.grpc.ChannelCredentials tls() {
        try {
            return io.grpc.TlsChannelCredentials.newBuilder().trustManager(caFile().toFile()).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends {@code authorization: Bearer <token>} on every call of a stub. */
    public static io.grpc.ClientInterceptor bearer(String token) {
        io.grpc.Metadata headers = new io.grpc.Metadata();
        headers.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers);
    }

    private void restore(Path backup, Path keyFile, Path rootTokenFrom) {
        try {
            Files.createDirectories(config(0).keyFile().getParent());
            Files.copy(keyFile, config(0).keyFile());
            // the restored state keeps the old region's root token: its holder still gets in
            Files.copy(rootTokenFrom, config(0).rootTokenFile());
            ownerOnly(config(0).rootTokenFile());
            for (NodeConfig c : configs) {
                BackupRestore.restore(backup, c);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Downloads a backup through node {@code i}'s AdminService.Backup into {@code file}; returns its size. */
    public long backup(int i, Path file) {
        long bytes = 0;
        try (java.io.OutputStream out = Files.newOutputStream(file)) {
            java.util.Iterator<dev.kinko.proto.v1.BackupResponse> chunks =
                    admin(i).backup(dev.kinko.proto.v1.BackupRequest.getDefaultInstance());
            while (chunks.hasNext()) {
                com.google.protobuf.ByteString data = chunks.next().getData();
                data.writeTo(out);
                bytes += data.size();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes;
    }

    public String name() {
        return region;
    }

    public int size() {
        return nodes.length;
    }

    public NodeConfig config(int i) {
        return configs.get(i);
    }

    public KinkoNode node(int i) {
        return nodes[i];
    }

    public Path dataDir(int i) {
        return configs.get(i).dataDir();
    }

    /** The node's Prometheus endpoint. */
    public String metricsUrl(int i) {
        return "http://127.0.0.1:" + configs.get(i).metricsPort() + "/metrics";
    }

    /** Node {@code i}'s Prometheus metrics, as a scrape sees them. */
    public String metrics(int i) {
        try {
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(metricsUrl(i))).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("metrics of node " + i + ": HTTP " + r.statusCode());
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Path root() {
        return root;
    }

    public void startNode(int i) {
        try {
            nodes[i] = KinkoNode.start(configs.get(i), clock);
            // a storage failure fails the test that meets it, not the whole test JVM (the default exits)
            String id = configs.get(i).nodeId();
            nodes[i].raft().stateMachine().onStorageFailure((what, cause) -> org.slf4j.LoggerFactory
                    .getLogger(TestRegion.class).error("storage failure on {}: {} (a real node exits here)", id, what, cause));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void stopNode(int i) {
        synchronized (channels) {
            if (channels[i] != null) {
                channels[i].shutdownNow();
                channels[i] = null;
            }
            if (bareChannels[i] != null) {
                bareChannels[i].shutdownNow();
                bareChannels[i] = null;
            }
        }
        if (nodes[i] != null) {
            try {
                nodes[i].close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            nodes[i] = null;
        }
    }

    /** Node {@code i}'s API stops answering (bytes held, connections open); needs {@link Builder#pausableClientPorts}. */
    public void pauseClientPort(int i) {
        proxies[i].pause();
    }

    /** Bytes sent to node {@code i}'s paused client port and held since it was paused. */
    public long heldBytes(int i) {
        return proxies[i].heldBytes();
    }

    public void resumeClientPort(int i) {
        proxies[i].resume();
    }

    /** Node {@code i}'s client connections are dropped; needs {@link Builder#pausableClientPorts}. */
    public void dropClientConnections(int i) {
        proxies[i].dropConnections();
    }

    /** Deletes everything the stopped node {@code i} stored. */
    public void wipeNode(int i) throws IOException {
        FileTrees.delete(dataDir(i));
    }

    public boolean running(int i) {
        return nodes[i] != null;
    }

    /**
     * Waits until a running node leads and is ready, and every running node has caught up with
     * the region since its start (until then a node refuses calls with NOT_READY); returns the
     * leader's index.
     */
    public int awaitLeader() {
        int[] found = {-1};
        await().atMost(SETTLE).pollInterval(Duration.ofMillis(50)).until(() -> {
            for (int i = 0; i < nodes.length; i++) {
                if (nodes[i] != null && nodes[i].raft().isLeaderReady()) {
                    found[0] = i;
                    return true;
                }
            }
            return false;
        });
        awaitCaughtUp();
        return found[0];
    }

    /** Every line of node {@code i}'s audit log, over all its files. */
    public List<String> auditLines(int i) throws IOException {
        List<String> lines = new java.util.ArrayList<>();
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(configs.get(i).effectiveAuditDir())) {
            for (Path f : files.sorted().toList()) {
                lines.addAll(java.nio.file.Files.readAllLines(f));
            }
        }
        return lines;
    }

    /** Waits until every running node has caught up with the region since its start, and serves. */
    public void awaitCaughtUp() {
        if (allCaughtUp()) {
            return; // the usual case, and awaitLeader is called inside other awaits' polls: no poller thread
        }
        await().atMost(SETTLE).pollInterval(Duration.ofMillis(20)).until(this::allCaughtUp);
    }

    private boolean allCaughtUp() {
        for (KinkoNode n : nodes) {
            if (n != null && !n.raft().isCaughtUp()) {
                return false;
            }
        }
        return true;
    }

    /** One channel per node, also when many threads ask at once. */
    public ManagedChannel channel(int i) {
        synchronized (channels) {
            if (channels[i] == null) {
                // every call of the tests goes through TLS and authenticates as root, like an operator
                channels[i] = Grpc.newChannelBuilder(configs.get(i).peers().get(i).clientAddress(), tls())
                        .intercept(bearer(rootToken)).build();
            }
            return channels[i];
        }
    }

    /**
     * A TLS channel to node {@code i} that sends no credentials: tests add their own (a token with
     * {@link #bearer}) or check that nothing gets through without them. Closed with the region.
     */
    public ManagedChannel bareChannel(int i) {
        synchronized (channels) {
            if (bareChannels[i] == null) {
                bareChannels[i] = Grpc.newChannelBuilder(configs.get(i).peers().get(i).clientAddress(), tls()).build();
            }
            return bareChannels[i];
        }
    }

    public SecretsServiceGrpc.SecretsServiceBlockingStub secrets(int i) {
        return SecretsServiceGrpc.newBlockingStub(channel(i)).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    public AdminServiceGrpc.AdminServiceBlockingStub admin(int i) {
        return AdminServiceGrpc.newBlockingStub(channel(i)).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** AccessService as root: policies and tokens. */
    public dev.kinko.proto.v1.AccessServiceGrpc.AccessServiceBlockingStub access(int i) {
        return dev.kinko.proto.v1.AccessServiceGrpc.newBlockingStub(channel(i)).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** Puts a policy and makes a token that carries it (as root, through node {@code i}); returns the token. */
    public String tokenWithPolicy(int i, String policyName, String document) {
        access(i).putPolicy(dev.kinko.proto.v1.PutPolicyRequest.newBuilder().setName(policyName).setDocument(document).build());
        return access(i).createToken(dev.kinko.proto.v1.CreateTokenRequest.newBuilder().addPolicies(policyName)
                .setName(policyName).build()).getToken();
    }

    /** Comma-separated client addresses, as KINKO_ADDR takes them. */
    public String addresses() {
        return configs.get(0).peers().stream().map(NodeConfig.Peer::clientAddress).collect(Collectors.joining(","));
    }

    private static final Set<Status.Code> RETRYABLE = Set.of(Status.Code.UNAVAILABLE, Status.Code.ABORTED,
            Status.Code.DEADLINE_EXCEEDED);

    /**
     * Runs {@code call} against running nodes in turn until it succeeds, retrying what a real
     * client retries (no leader, node down, deadline) within {@link #SETTLE}.
     */
    public <T> T withRetry(Function<SecretsServiceGrpc.SecretsServiceBlockingStub, T> call) {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<StatusRuntimeException> lastRefusal = new AtomicReference<>();
        AtomicInteger next = new AtomicInteger();
        try {
            await().atMost(SETTLE).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50)).until(() -> {
                int i = nextRunning(next);
                try {
                    result.set(call.apply(secrets(i).withDeadlineAfter(5, TimeUnit.SECONDS)));
                    return true;
                } catch (StatusRuntimeException e) {
                    if (!RETRYABLE.contains(e.getStatus().getCode())) {
                        throw e; // a refusal is the answer: no retry
                    }
                    lastRefusal.set(e);
                    return false;
                }
            });
        } catch (ConditionTimeoutException e) {
            throw lastRefusal.get() != null ? lastRefusal.get() : e;
        }
        return result.get();
    }

    private int nextRunning(AtomicInteger next) {
        for (int tries = 0; tries < nodes.length; tries++) {
            int i = Math.floorMod(next.incrementAndGet(), nodes.length);
            if (nodes[i] != null) {
                return i;
            }
        }
        throw new IllegalStateException("no node of region " + region + " is running");
    }

    @Override
    public void close() {
        for (PausableProxy p : proxies) {
            if (p != null) {
                p.resume();
            }
        }
        for (int i = 0; i < nodes.length; i++) {
            stopNode(i);
        }
        for (PausableProxy p : proxies) {
            if (p != null) {
                p.close();
            }
        }
    }
}
