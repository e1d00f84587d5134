package dev.kinko.server.consensus;

import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import dev.kinko.server.storage.DataLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import dev.kinko.server.domain.Reason;
import org.slf4j.LoggerFactory;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.RaftException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.kinko.proto.raft.v1.BatchResult;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * One node's Raft server for its region's group. The API front end submits
 * straight to this co-located server (no RaftClient stream per call); reads
 * wait on a read-index barrier. All Ratis types stay inside this package.
 */
public final class RaftNode implements Closeable {
    private final String region;
    private final RaftGroupId groupId;
    private final RaftPeerId selfId;
    private final RaftServer server;
    private final KinkoStateMachine stateMachine;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    private final RaftProperties properties;
    private final Parameters parameters;
    private volatile RaftClient adminClient;
    /** Run when Ratis names a new leader (see {@link #onLeaderChange}). */
    private final Set<Runnable> leaderListeners = ConcurrentHashMap.newKeySet();
    /** Runs leader-change listeners off Ratis's thread (not the common pool, which blocking tasks may hold up). */
    private final ExecutorService leaderEvents = daemonThread("kinko-leader-events");
    private final ScheduledExecutorService readRounds = daemonThread("kinko-read-index");
    private final ReadIndexBatcher reads = new ReadIndexBatcher(
            () -> send(RaftClientRequest.readRequestType(), new byte[0]).thenApply(reply -> null),
            this::namedLeader, readRounds);

    /** Completes once one read barrier has passed since this node started: see {@link #isCaughtUp}. */
    private final CompletableFuture<Void> caughtUp = new CompletableFuture<>();
    /** The pause between two attempts to catch up after a start, while the region has no leader. */
    static final Duration CATCH_UP_RETRY = Duration.ofMillis(100);

    private final DataLayout layout;
    private final long snapshotLogBytes;
    private final SnapshotTrigger snapshotTrigger;

    private RaftNode(String region, RaftGroupId groupId, RaftPeerId selfId, RaftServer server,
                     KinkoStateMachine stateMachine, RaftProperties properties, Parameters parameters,
                     DataLayout layout, long snapshotLogBytes) {
        this.layout = layout;
        this.snapshotLogBytes = snapshotLogBytes;
        this.parameters = parameters;
        this.region = region;
        this.groupId = groupId;
        this.selfId = selfId;
        this.server = server;
        this.stateMachine = stateMachine;
        this.properties = properties;
        this.snapshotTrigger = new SnapshotTrigger(selfId.toString(), snapshotLogBytes,
                stateMachine::logBytesSinceSnapshot, this::takeSnapshot);
        stateMachine.onLeaderChanged(this::leaderChanged);
    }

    private static ScheduledExecutorService daemonThread(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** The Raft group id of a region: the same on every node, derived from the region name. */
    public static RaftGroupId groupIdOf(String region) {
        return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("kinko-region:" + region).getBytes(StandardCharsets.UTF_8)));
    }

    /** Starts the node, its data laid out as {@link DataLayout} says. */
    public static RaftNode start(String region, String selfId, List<RegionMember> members, Path dataDir,
                                 RaftSettings settings, RaftTls tls, KinkoStateMachine.Factory stateMachines)
            throws IOException {
        RegionMember self = members.stream().filter(m -> m.nodeId().equals(selfId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("node " + selfId + " is not among the region's members"));
        RaftProperties props = properties(dataDir, self, settings);
        Parameters parameters = parameters(tls);
        DataLayout layout = new DataLayout(dataDir);
        requireRaftMeta(layout.raft(), groupIdOf(region));
        KinkoStateMachine sm = stateMachines.create(layout.db(), layout.snapshots(), layout.scratch());
        RaftGroupId groupId = groupIdOf(region);
        RaftGroup group = RaftGroup.valueOf(groupId, members.stream().map(RaftNode::peer).toList());
        RaftServer server = RaftServer.newBuilder()
                .setServerId(RaftPeerId.valueOf(selfId))
                .setGroup(group)
                .setProperties(props)
                .setParameters(parameters)
                .setStateMachine(sm)
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            // e.g. RocksDB cannot open on a full disk: release the storage locks and threads
            sm.closing();
            server.close();
            throw e;
        }
        RaftNode node = new RaftNode(region, groupId, RaftPeerId.valueOf(selfId), server, sm, props, parameters,
                layout, settings.snapshotLogBytes());
        node.catchUpAfterStart();
        return node;
    }

    /**
     * Whether this node has applied everything its region had committed when it started. Until
     * then its state may be older than what it served before it stopped (after a power loss, RocksDB
     * opens without its last writes; Ratis applies them again only once a leader names the commit
     * index), so it must not judge a token, a policy or a LOCAL read by it: the API refuses every
     * call with NOT_READY until one read barrier has passed.
     */
    public boolean isCaughtUp() {
        return caughtUp.isDone();
    }

    /** Completes when {@link #isCaughtUp} turns true. */
    public CompletableFuture<Void> whenCaughtUp() {
        return caughtUp.copy();
    }

    /** Asks for read barriers, one at a time, until one passes (the region may have no leader for a while). */
    private void catchUpAfterStart() {
        readBarrier().whenComplete((v, error) -> {
            if (error == null) {
                caughtUp.complete(null);
                LoggerFactory.getLogger(RaftNode.class).info("{} caught up with region {} at applied index {}, {} ms since "
                        + "JVM start: serving", nodeId(), region, stateMachine.storage().applied().index(),
                        StartupLog.sinceJvmStart());
                return;
            }
            try {
                readRounds.schedule(this::catchUpAfterStart, CATCH_UP_RETRY.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closing) {
                // the node is closing: it never serves
            }
        });
    }

    /**
     * Ratis 3.3 can leave {@code raft-meta} (the node's term and vote) empty when its write fails
     * on a full disk: its atomic file output renames the file whose write failed. Ratis then stops
     * with "'term' not found"; this says what happened and what to do. Rebuilding the file is not
     * safe: the vote it held is lost, and a node must never vote twice in a term.
     */
    static void requireRaftMeta(Path raftDir, RaftGroupId groupId) throws IOException {
        Path meta = raftDir.resolve(groupId.getUuid().toString()).resolve("current").resolve("raft-meta");
        if (java.nio.file.Files.isRegularFile(meta) && java.nio.file.Files.size(meta) == 0) {
            throw new IOException(meta + " is empty: writing this node's Raft term and vote failed (a full "
                    + "disk). Free space, remove the node from its region, move its data directory away and "
                    + "add it back (README, 'A full disk')");
        }
    }

    /** Mutual TLS for every Raft channel: server, peers as clients, and the admin client. */
    private static Parameters parameters(RaftTls tls) {
        GrpcTlsConfig conf = new GrpcTlsConfig(tls.keyManager(), tls.trustManager(), true);
        Parameters p = new Parameters();
        GrpcConfigKeys.Server.setTlsConf(p, conf);
        GrpcConfigKeys.Admin.setTlsConf(p, conf);
        GrpcConfigKeys.Client.setTlsConf(p, conf);
        GrpcConfigKeys.Server.setServicesCustomizer(p, new RaftPeerCheck(tls.member()));
        return p;
    }

    /** Room for the largest command ({@link GroupCommitter#MAX_COMMAND_BYTES}) with its entry's framing. */
    static final long APPENDER_BUFFER_BYTES = GroupCommitter.MAX_COMMAND_BYTES + (64L << 10);

    /** Closed Raft log segments whose entries a member keeps in memory (besides the open one). */
    public static final int LOG_CACHE_SEGMENTS = 2;

    /** First election timeout after a start (the usual timeouts come from {@link RaftSettings}). */
    static final long FIRST_ELECTION_TIMEOUT_MIN_MS = 150;
    static final long FIRST_ELECTION_TIMEOUT_MAX_MS = 400;
    /**
     * The leader's waits after failed appends to a member, as Ratis's MultipleLinearRandomRetry
     * (each wait is random within 0.5-1.5 times the given one): 10 immediate retries, then 100 ms
     * for 20, then 250 ms for good (the count only has to outlast any outage).
     */
    static final String APPENDER_RETRY_POLICY = "1ms,10, 100ms,20, 250ms,2000000000";

    static RaftProperties properties(Path dataDir, RegionMember self, RaftSettings s) {
        RaftProperties p = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(p, Collections.singletonList(new DataLayout(dataDir).raft().toFile()));
        // listen on the Raft address's interface only, not on every interface
        GrpcConfigKeys.Server.setHost(p, self.raftAddress().substring(0, self.raftAddress().lastIndexOf(':')));
        GrpcConfigKeys.Server.setPort(p, port(self.raftAddress()));
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, duration(s.electionTimeoutMin().toMillis()));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, duration(s.electionTimeoutMax().toMillis()));
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, duration(s.requestTimeout().toMillis()));
        // A node that just started waits less than the usual timeout before its first (pre-)vote:
        // a region started as a whole has a leader as soon as two members are up. Pre-vote (on by
        // default) keeps a restarted follower that has not heard from the living leader yet from
        // deposing it.
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, duration(FIRST_ELECTION_TIMEOUT_MIN_MS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, duration(FIRST_ELECTION_TIMEOUT_MAX_MS));
        RaftServerConfigKeys.LeaderElection.setPreVote(p, true);
        // How long a leader waits between attempts to reach a member it failed to reach. Ratis's
        // default ("1ms,10, 1s,20, 5s,1000") backs off to 5 s after about 20 s of failures, so a
        // follower restarted after a longer outage waited up to 7.5 s for its first append (issue 10).
        // An attempt to a dead peer is one refused connection: cheap enough every 100-375 ms.
        RaftServerConfigKeys.Log.Appender.setRetryPolicy(p, APPENDER_RETRY_POLICY);
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, true);
        RaftServerConfigKeys.Read.setTimeout(p, duration(s.requestTimeout().toMillis()));
        // A second replicated, fsynced entry per commit-index move costs 30-55 % of write
        // throughput (STACK.md); acknowledged writes stay durable without it.
        RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(s.segmentSizeBytes()));
        // Closed segments whose entries stay in memory. Ratis keeps 6 (with 8 MiB segments, some
        // 45 MiB of a node's heap under load) for members that fall behind; one that falls further
        // reads them back from the log's files, and one behind the snapshot gets the snapshot.
        RaftServerConfigKeys.Log.setSegmentCacheNumMax(p, LOG_CACHE_SEGMENTS);
        // one entry must fit the appender's buffer (or a follower would never receive it) and the
        // log's write buffer, which Ratis requires to be a little larger still
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf(APPENDER_BUFFER_BYTES));
        RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(APPENDER_BUFFER_BYTES + 1024));
        RaftServerConfigKeys.Log.setPurgeGap(p, s.purgeGap());
        // Purge up to the snapshot even while a member is down: it catches up by snapshot installation.
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, s.snapshotThreshold());
        RaftServerConfigKeys.Snapshot.setCreationGap(p, 1);
        // A stop recovers like a crash (replay above RocksDB's applied index, skipped entries
        // counted), so the recovery path is the one every restart exercises.
        RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(p, false);
        return p;
    }

    private static TimeDuration duration(long millis) {
        return TimeDuration.valueOf(millis, TimeUnit.MILLISECONDS);
    }

    private static int port(String address) {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    static RaftPeer peer(RegionMember m) {
        return RaftPeer.newBuilder().setId(m.nodeId()).setAddress(m.raftAddress()).setClientAddress(m.clientAddress()).build();
    }

    public String region() {
        return region;
    }

    public String nodeId() {
        return selfId.toString();
    }

    public KinkoStateMachine stateMachine() {
        return stateMachine;
    }

    private RaftServer.Division division() {
        try {
            return server.getDivision(groupId);
        } catch (IOException e) {
            throw new RaftUnavailableException(Reason.NOT_READY, "the Raft server is not running: " + e.getMessage());
        }
    }

    /** False also when the Raft server is not running (a request handler must not throw for it). */
    public boolean isLeaderReady() {
        try {
            RaftServer.Division d = division();
            return d.getInfo().isLeader() && d.getInfo().isLeaderReady();
        } catch (RaftUnavailableException e) {
            return false;
        }
    }

    public Optional<RegionMember> leader() {
        RaftServer.Division d = division();
        RaftPeerId leaderId = d.getInfo().getLeaderId();
        if (leaderId == null) {
            return Optional.empty();
        }
        return members().stream().filter(m -> m.nodeId().equals(leaderId.toString())).findFirst();
    }

    public List<RegionMember> members() {
        List<RegionMember> out = new ArrayList<>();
        for (RaftPeer p : division().getRaftConf().getCurrentPeers()) {
            out.add(new RegionMember(p.getId().toString(), p.getAddress(), p.getClientAddress()));
        }
        out.sort((a, b) -> a.nodeId().compareTo(b.nodeId()));
        return out;
    }

    /** Appends one entry; completes with its results once applied here (the leader), handed over in memory. */
    public CompletableFuture<BatchResult> submit(byte[] entry) {
        return send(RaftClientRequest.writeRequestType(), entry).thenApply(reply -> {
            try {
                return AppliedResults.of(reply.getMessage());
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("the applied entry's results do not parse", e);
            }
        });
    }

    /**
     * Appends one entry from any member, through a Raft client that finds the leader: for the
     * few writes a follower makes on its own behalf (its audit chain head).
     */
    public CompletableFuture<Void> submitFromAnyMember(byte[] entry) {
        CompletableFuture<RaftClientReply> sent;
        try {
            sent = admin().async().send(Message.valueOf(ByteString.copyFrom(entry)));
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        return sent.handle((reply, error) -> {
            check(reply, error);
            return null;
        });
    }

    /**
     * Completes once this node has applied every entry committed before the call (Raft read index),
     * batched with the other reads waiting on this node ({@link ReadIndexBatcher}).
     */
    public CompletableFuture<Void> readBarrier() {
        return reads.barrier();
    }

    /** How many read index rounds this node has asked for: fewer than its linearizable reads when they batch. */
    public long readIndexRounds() {
        return reads.rounds();
    }

    private CompletableFuture<RaftClientReply> send(RaftClientRequest.Type type, byte[] payload) {
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(clientId)
                .setServerId(selfId)
                .setGroupId(groupId)
                .setCallId(callIds.incrementAndGet())
                .setMessage(Message.valueOf(UnsafeByteOperations.unsafeWrap(payload))) // the caller's array is not changed after
                .setType(type)
                .build();
        CompletableFuture<RaftClientReply> sent;
        try {
            sent = server.submitClientRequestAsync(request);
        } catch (IOException | RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        // a failed reply, a future that fails, and a synchronous failure all end up the same way
        return sent.handle(RaftNode::check);
    }

    /** The reply when it succeeded; otherwise its failure through {@link RaftErrors}. */
    private static RaftClientReply check(RaftClientReply reply, Throwable error) {
        if (error != null) {
            throw RaftErrors.asRuntime(error);
        }
        if (!reply.isSuccess()) {
            RaftException e = reply.getException();
            throw RaftErrors.asRuntime(e != null ? e
                    : new RaftUnavailableException(Reason.NOT_READY, "the Raft request failed without a reason"));
        }
        return reply;
    }

    // --- leader changes ----------------------------------------------------------------------

    /** The id of the leader Ratis names on this node, or empty during an election. */
    public Optional<String> leaderId() {
        RaftPeerId id = division().getInfo().getLeaderId();
        return id == null ? Optional.empty() : Optional.of(id.toString());
    }

    /** The leader Ratis names here, or empty during an election or while the server is not running. */
    public Optional<String> namedLeader() {
        try {
            return leaderId();
        } catch (RaftUnavailableException e) {
            return Optional.empty();
        }
    }

    /**
     * Runs {@code listener} (on a pool thread) each time Ratis names a new leader, until the returned
     * handle is closed. Ratis reports only a new leader, not the moment the old one is dropped.
     */
    public AutoCloseable onLeaderChange(Runnable listener) {
        leaderListeners.add(listener);
        return () -> leaderListeners.remove(listener);
    }

    /** From the state machine's notifyLeaderChanged, on a Ratis thread: hand off, never block it. */
    private void leaderChanged(String newLeader) {
        try {
            leaderEvents.execute(() -> leaderChangedHere(newLeader));
        } catch (RejectedExecutionException e) {
            // closing: nothing waits any more
        }
    }

    private void leaderChangedHere(String newLeader) {
        reads.leaderChanged(newLeader);
        for (Runnable listener : List.copyOf(leaderListeners)) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                LoggerFactory.getLogger(RaftNode.class).warn("a leader-change listener failed", e);
            }
        }
    }

    /** This node's view of the group, for status calls. */
    public NodeView view() {
        RaftServer.Division d = division();
        RaftPeerRole role = d.getInfo().getCurrentRole();
        RaftPeerId leaderId = d.getInfo().getLeaderId();
        long snapshotIndex = Optional.ofNullable(stateMachine.getLatestSnapshot()).map(s -> s.getIndex()).orElse(-1L);
        return new NodeView(nodeId(), region, role.name(), leaderId == null ? "" : leaderId.toString(),
                d.getInfo().getCurrentTerm(), d.getRaftLog().getLastCommittedIndex(),
                d.getInfo().getLastAppliedIndex(), snapshotIndex, d.getRaftLog().getStartIndex());
    }

    /** The bytes this node keeps on disk: Raft log, RocksDB, snapshots, and its file system's size and free space. */
    public DataSizes dataSizes() {
        return DataSizes.of(layout);
    }

    /** The byte trigger of snapshots ({@code raft.snapshot_log_bytes}). */
    public long snapshotLogBytes() {
        return snapshotLogBytes;
    }

    /** Raft entry bytes applied here since the last snapshot, and the snapshots the byte trigger took and failed to take. */
    public long logBytesSinceSnapshot() {
        return stateMachine.logBytesSinceSnapshot();
    }

    public long snapshotsByLogBytes() {
        return snapshotTrigger.taken();
    }

    public long snapshotsByLogBytesFailed() {
        return snapshotTrigger.failed();
    }

    /** {@code logStartIndex} is the first index still in the Raft log (above 0 once purged). */
    public record NodeView(String nodeId, String region, String role, String leaderId, long term,
                           long commitIndex, long appliedIndex, long snapshotIndex, long logStartIndex) {}

    // --- admin: membership, leadership, snapshots -----------------------------------------

    private RaftClient admin() {
        RaftClient c = adminClient;
        if (c == null) {
            synchronized (this) {
                if (adminClient == null) {
                    adminClient = RaftClient.newBuilder()
                            .setProperties(properties)
                            .setParameters(parameters)
                            // Raft addresses only: a peer's client address is Kinko's API port, not Ratis'
                            .setRaftGroup(RaftGroup.valueOf(groupId, division().getRaftConf().getCurrentPeers()
                                    .stream().map(p -> RaftPeer.newBuilder().setId(p.getId())
                                            .setAddress(p.getAddress()).build()).toList()))
                            .build();
                }
                c = adminClient;
            }
        }
        return c;
    }

    public List<RegionMember> addMember(RegionMember member) throws IOException {
        List<RaftPeer> peers = new ArrayList<>(division().getRaftConf().getCurrentPeers());
        if (peers.stream().anyMatch(p -> p.getId().toString().equals(member.nodeId()))) {
            throw new IllegalArgumentException("node " + member.nodeId() + " is already a member");
        }
        peers.add(peer(member));
        setConfiguration(peers);
        return members();
    }

    public List<RegionMember> removeMember(String nodeId) throws IOException {
        List<RaftPeer> peers = new ArrayList<>(division().getRaftConf().getCurrentPeers());
        if (!peers.removeIf(p -> p.getId().toString().equals(nodeId))) {
            throw new IllegalArgumentException("node " + nodeId + " is not a member");
        }
        if (peers.isEmpty()) {
            throw new IllegalArgumentException("cannot remove the last member");
        }
        setConfiguration(peers);
        return members();
    }

    private void setConfiguration(List<RaftPeer> peers) throws IOException {
        RaftClientReply reply = admin().admin().setConfiguration(peers);
        if (!reply.isSuccess()) {
            throw new IOException("membership change failed: " + reply.getException());
        }
        resetAdminClient();
    }

    public String transferLeadership(String nodeId) throws IOException {
        String target = nodeId;
        if (target.isEmpty()) {
            String current = leader().map(RegionMember::nodeId).orElse("");
            target = members().stream().map(RegionMember::nodeId).filter(id -> !id.equals(current)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("there is no other member to lead"));
        }
        String chosen = target;
        if (members().stream().noneMatch(m -> m.nodeId().equals(chosen))) {
            throw new IllegalArgumentException("node " + chosen + " is not a member");
        }
        RaftClientReply reply = admin().admin().transferLeadership(RaftPeerId.valueOf(chosen), 10_000);
        if (!reply.isSuccess()) {
            throw new IOException("leadership transfer failed: " + reply.getException());
        }
        return chosen;
    }

    /** Asks this node to take a snapshot now; returns its index. */
    public long takeSnapshot() throws IOException {
        RaftClientReply reply = admin().getSnapshotManagementApi(selfId).create(30_000);
        if (!reply.isSuccess()) {
            throw new IOException("snapshot failed: " + reply.getException());
        }
        return reply.getLogIndex();
    }

    private synchronized void resetAdminClient() {
        if (adminClient != null) {
            try {
                adminClient.close();
            } catch (IOException ignored) {
                // closing a client only logs
            }
            adminClient = null;
        }
    }

    @Override
    public void close() throws IOException {
        stateMachine.closing();
        snapshotTrigger.close();
        leaderEvents.shutdownNow();
        readRounds.shutdownNow();
        reads.failAll(new RaftUnavailableException("node " + nodeId() + " is shutting down"));
        resetAdminClient();
        server.close();
    }
}
