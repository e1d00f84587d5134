package dev.kinko.server.consensus;

import dev.kinko.proto.raft.v1.BatchResult;
import dev.kinko.proto.raft.v1.Command;
import dev.kinko.proto.raft.v1.CommandBatch;
import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.server.domain.CommandApplier;
import dev.kinko.server.storage.RocksStorage;
import dev.kinko.server.storage.StorageBatch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine: decodes each entry's {@link CommandBatch}, runs
 * every command through the {@link CommandApplier} into one RocksDB batch that
 * also holds the entry's index, and replies with one result per command.
 * Entries at or below the index already in RocksDB (replayed after a restart)
 * are skipped, so nothing is applied twice.
 */
public final class KinkoStateMachine extends BaseStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(KinkoStateMachine.class);

    private final Path dbDir;
    private final CommandApplier applier;
    private final CheckpointSnapshots snapshots;
    private volatile RocksStorage storage;
    private final AtomicLong replaysSkipped = new AtomicLong();
    private final AtomicLong firstIndexApplied = new AtomicLong(-1);
    private volatile Runnable onApplied = () -> { };
    private volatile java.util.function.Consumer<java.time.Duration> onSnapshot = d -> { };
    private volatile java.util.function.Consumer<java.time.Duration> onEntryApplied = d -> { };
    private volatile StorageFailures.Handler onStorageFailure = StorageFailures::exit;
    private final java.util.concurrent.atomic.AtomicBoolean storageFailed = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicLong logBytesSinceSnapshot = new java.util.concurrent.atomic.AtomicLong();
    /** Set when the node closes: failures of a log being shut down are not storage failures. */
    private volatile boolean closing;
    private volatile java.util.function.Consumer<String> onLeaderChanged = id -> { };

    /** Creates the state machine once the node knows its directories. */
    public interface Factory {
        KinkoStateMachine create(Path dbDir, Path snapshotDir, Path snapshotTmpDir);
    }

    public KinkoStateMachine(Path dbDir, Path snapshotDir, Path snapshotTmpDir, CommandApplier applier) {
        this.dbDir = dbDir;
        this.applier = applier;
        this.snapshots = new CheckpointSnapshots(snapshotDir, snapshotTmpDir);
    }

    /** The live state; replaced wholesale when a snapshot is installed. */
    public RocksStorage storage() {
        return storage;
    }

    /** Scratch space beside the snapshots (same file system), emptied at every start. */
    public java.nio.file.Path scratchDir() {
        return snapshots.getTmpDir().toPath();
    }

    /** Entries seen again after a restart and skipped because RocksDB already held them. */
    public long replaysSkipped() {
        return replaysSkipped.get();
    }

    /** Called on the apply thread after every entry (keep it cheap): wakes the shippers. */
    public void onApplied(Runnable listener) {
        this.onApplied = listener;
    }

    /** Called with each snapshot's duration (the metrics). */
    public void onSnapshot(java.util.function.Consumer<java.time.Duration> listener) {
        this.onSnapshot = listener;
    }

    /** Called on the apply thread with the time each entry took to apply (the metrics). */
    public void onEntryApplied(java.util.function.Consumer<java.time.Duration> listener) {
        this.onEntryApplied = listener;
    }

    /** Who hears that the Raft log or RocksDB could not be written (default: the process exits). */
    public void onStorageFailure(StorageFailures.Handler handler) {
        this.onStorageFailure = handler;
    }

    /** True once the Raft log or RocksDB failed to write in this process. */
    public boolean storageFailed() {
        return storageFailed.get();
    }

    /** The node is closing: from now on a failing log write is the shutdown, not a fault. */
    public void closing() {
        this.closing = true;
    }

    /** Where RocksDB keeps the state (on the node's data directory). */
    public Path dbDir() {
        return dbDir;
    }

    private void storageFailure(String what, Throwable cause) {
        if (!closing && storageFailed.compareAndSet(false, true)) {
            onStorageFailure.failed(what, cause);
        }
    }

    /**
     * Ratis calls this when a Raft log write fails (a full disk): its log then fails every later
     * write until the process restarts, so this node could never catch up again in place.
     */
    @Override
    public void notifyLogFailed(Throwable cause, LogEntryProto failedEntry) {
        storageFailure("writing the Raft log" + (failedEntry == null ? "" : " at index " + failedEntry.getIndex()), cause);
    }

    /** Called on a Ratis thread with the id of each new leader Ratis names (keep it cheap). */
    public void onLeaderChanged(java.util.function.Consumer<String> listener) {
        this.onLeaderChanged = listener;
    }

    @Override
    public void notifyLeaderChanged(org.apache.ratis.protocol.RaftGroupMemberId member,
                                    org.apache.ratis.protocol.RaftPeerId newLeader) {
        if (newLeader != null) {
            onLeaderChanged.accept(newLeader.toString());
        }
        LOG.info("{}: the leader is now {}, {} ms since JVM start", member.getPeerId(), newLeader,
                StartupLog.sinceJvmStart());
    }

    /**
     * The Raft index of the first entry this process applied to RocksDB, or -1 before any: every
     * entry below it that Ratis replayed was skipped as already held.
     */
    public long firstIndexApplied() {
        return firstIndexApplied.get();
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return snapshots;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        getLifeCycle().startAndTransition(() -> {
            super.initialize(server, groupId, raftStorage);
            snapshots.sweepStaging();
            snapshots.load();
            storage = RocksStorage.open(dbDir);
            // Ratis replays the log from the snapshot index; entries RocksDB already has are skipped.
            TermIndex snapshot = snapshots.latestTermIndex();
            if (snapshot != null && storage.applied().index() < snapshot.getIndex()) {
                // RocksDB lost what the snapshot holds (and the log before it may be purged): restore it
                LOG.warn("RocksDB holds index {} but the snapshot holds {}; restoring the snapshot",
                        storage.applied().index(), snapshot.getIndex());
                storage.replaceWith(snapshots.latestDir());
            }
            if (snapshot != null) {
                setLastAppliedTermIndex(snapshot);
            }
            LOG.info("state machine ready: snapshot {}, RocksDB applied index {}, {} ms since JVM start", snapshot,
                    storage.applied().index(), StartupLog.sinceJvmStart());
        });
    }

    @Override
    public void notifyLeaderReady() {
        LOG.info("this node leads and is ready (its term's first entry applied), {} ms since JVM start",
                StartupLog.sinceJvmStart());
    }

    /** Bytes of Raft entries applied since the last snapshot taken or installed here (the byte trigger's measure). */
    public long logBytesSinceSnapshot() {
        return logBytesSinceSnapshot.get();
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        logBytesSinceSnapshot.addAndGet(entry.getSerializedSize());
        TermIndex termIndex = TermIndex.valueOf(entry);
        BatchResult result;
        if (termIndex.getIndex() <= storage.applied().index()) {
            replaysSkipped.incrementAndGet();
            result = BatchResult.getDefaultInstance();
        } else {
            long started = System.nanoTime();
            try {
                result = apply(entry.getStateMachineLogEntry().getLogData(), termIndex);
            } catch (dev.kinko.server.storage.StorageException e) {
                // RocksDB could not write (a full disk turns it read-only): the entry must not be
                // skipped, so Ratis stops this member (it closes the division on this exception)
                storageFailure("applying entry " + termIndex + " to RocksDB", e);
                throw e;
            }
            onEntryApplied.accept(java.time.Duration.ofNanos(System.nanoTime() - started));
        }
        updateLastAppliedTermIndex(termIndex);
        onApplied.run();
        return CompletableFuture.completedFuture(new AppliedResults(result));
    }

    private BatchResult apply(ByteString data, TermIndex termIndex) {
        CommandBatch batch;
        try {
            batch = CommandBatch.parseFrom(data.toByteArray());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            // Only the leader's own front end appends entries; a bad one must still not stop the node.
            LOG.error("entry {} is not a command batch; recorded as applied with no change", termIndex);
            StorageBatch empty = storage.newBatch();
            storage.commit(empty, termIndex.getTerm(), termIndex.getIndex());
            firstIndexApplied.compareAndSet(-1, termIndex.getIndex());
            return BatchResult.getDefaultInstance();
        }
        StorageBatch writes = storage.newBatch();
        BatchResult.Builder results = BatchResult.newBuilder();
        for (Command command : batch.getCommandsList()) {
            results.addResults(applyOne(command, writes));
        }
        storage.commit(writes, termIndex.getTerm(), termIndex.getIndex());
        firstIndexApplied.compareAndSet(-1, termIndex.getIndex());
        return results.build();
    }

    /**
     * Refusals are results; anything else (a storage failure, a bug) propagates and stops
     * this node's Raft server, because skipping the command here while the other nodes
     * applied it would split the region.
     */
    private CommandResult applyOne(Command command, StorageBatch writes) {
        return applier.apply(command, writes);
    }

    /** A read barrier: Ratis calls this once the read index is applied here. */
    @Override
    public CompletableFuture<Message> query(Message request) {
        return CompletableFuture.completedFuture(Message.EMPTY);
    }

    /** Runs on the apply thread, so the checkpoint holds exactly the entries up to the last applied one. */
    @Override
    public long takeSnapshot() throws IOException {
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || last.getIndex() < 0) {
            return RaftLog.INVALID_LOG_INDEX;
        }
        long started = System.nanoTime();
        try {
            snapshots.take(storage, last);
        } catch (RuntimeException e) {
            // Ratis survives a failed snapshot only as an IOException (e.g. a full disk)
            throw new IOException("snapshot at " + last + " failed: " + e.getMessage(), e);
        }
        java.time.Duration took = java.time.Duration.ofNanos(System.nanoTime() - started);
        logBytesSinceSnapshot.set(0); // on the apply thread: no entry was applied meanwhile
        onSnapshot.accept(took);
        LOG.info("snapshot taken at {} in {} ms", last, took.toMillis());
        return last.getIndex();
    }

    @Override
    public synchronized void pause() {
        if (getLifeCycleState() == LifeCycle.State.RUNNING) {
            getLifeCycle().transition(LifeCycle.State.PAUSING);
            getLifeCycle().transition(LifeCycle.State.PAUSED);
        }
    }

    /** After a snapshot was installed from the leader: the state becomes that checkpoint. */
    @Override
    public synchronized void reinitialize() throws IOException {
        snapshots.load();
        TermIndex installed = snapshots.latestTermIndex();
        if (installed == null) {
            throw new IOException("no snapshot to load after installation");
        }
        storage.replaceWith(snapshots.latestDir());
        setLastAppliedTermIndex(installed);
        logBytesSinceSnapshot.set(0);
        LOG.info("installed snapshot {} from the leader", installed);
        if (getLifeCycleState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    @Override
    public void close() throws IOException {
        closing = true;
        super.close();
        RocksStorage s = storage;
        if (s != null) {
            s.close();
        }
    }
}
