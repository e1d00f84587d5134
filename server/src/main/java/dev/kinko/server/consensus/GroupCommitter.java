package dev.kinko.server.consensus;

import dev.kinko.proto.raft.v1.Command;
import dev.kinko.proto.raft.v1.CommandBatch;
import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Group commit on the leader: commands that arrive while earlier entries are
 * in flight are packed into one Raft entry, so one append, one fsync and one
 * RocksDB batch serve many writes. Each caller gets its own command's result.
 */
public final class GroupCommitter implements Closeable {
    /** Commands packed into one Raft entry at most. */
    public static final int MAX_COMMANDS_PER_ENTRY = 256;
    /** Bytes of commands grouped into one Raft entry; a larger single command goes alone. */
    public static final int MAX_ENTRY_BYTES = 1 << 20;
    /**
     * Bytes one command may have at most, checked for every command (the first of a group too):
     * it must fit one Raft log segment and the appender's buffer ({@link RaftNode}). The largest
     * legitimate one, a replicated full copy of a secret with 100 versions of the largest value,
     * is about 7 MB.
     */
    public static final int MAX_COMMAND_BYTES = 8 << 20;
    /** Entries appended but not yet applied, at most; later commands wait and are grouped. */
    public static final int MAX_ENTRIES_IN_FLIGHT = 4;
    /** Commands waiting for an entry, at most; past this a write is refused (OVERLOADED) at once. */
    public static final int MAX_QUEUED_COMMANDS = 10_000;
    /** Threads that complete callers' futures, so replies never run on Ratis' apply thread. */
    static final int REPLY_THREADS = 2;

    /** A leader short of disk space asks another member to lead at most this often. */
    static final long HAND_OFF_EVERY_NANOS = 5_000_000_000L;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GroupCommitter.class);

    private record Pending(Command command, CompletableFuture<CommandResult> result) {}

    private final RaftNode raft;
    private final DiskGuard disk;
    private final java.util.concurrent.atomic.AtomicLong lastHandOff =
            new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - HAND_OFF_EVERY_NANOS);
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>(MAX_QUEUED_COMMANDS);
    private final ExecutorService replies;
    private final Semaphore inFlight = new Semaphore(MAX_ENTRIES_IN_FLIGHT);
    private final Thread drainer;
    private volatile boolean closed;

    public GroupCommitter(RaftNode raft) {
        this(raft, new DiskGuard(raft.stateMachine().dbDir(), DiskGuard.DEFAULT_MIN_FREE_BYTES));
    }

    /** {@code disk} guards the leader's data directory: below its reserve, writes are refused. */
    public GroupCommitter(RaftNode raft, DiskGuard disk) {
        this.raft = raft;
        this.disk = disk;
        this.replies = Executors.newFixedThreadPool(REPLY_THREADS, r -> {
            Thread t = new Thread(r, "kinko-replies-" + raft.nodeId());
            t.setDaemon(true);
            return t;
        });
        this.drainer = new Thread(this::drain, "kinko-group-commit-" + raft.nodeId());
        this.drainer.setDaemon(true);
        this.drainer.start();
    }

    public CompletableFuture<CommandResult> submit(Command command) {
        CompletableFuture<CommandResult> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new RaftUnavailableException("the node is shutting down"));
            return result;
        }
        int size = command.getSerializedSize();
        if (size > MAX_COMMAND_BYTES) {
            result.completeExceptionally(new KinkoException(Reason.COMMAND_TOO_LARGE, "the write is " + size
                    + " bytes as a Raft command; one command may have at most " + MAX_COMMAND_BYTES));
            return result;
        }
        try {
            // before the Raft log: a log that hits a full disk fails for good
            disk.check(raft.nodeId());
        } catch (KinkoException e) {
            result.completeExceptionally(e);
            handOff();
            return result;
        }
        if (!queue.offer(new Pending(command, result))) {
            result.completeExceptionally(new KinkoException(Reason.OVERLOADED,
                    "the leader has " + MAX_QUEUED_COMMANDS + " writes waiting; retry later"));
        }
        return result;
    }

    /**
     * A leader short of disk space asks another member to lead (Ratis picks it only if it is up
     * to date), so the region takes writes again while this node's disk is full.
     */
    private void handOff() {
        long now = System.nanoTime();
        long last = lastHandOff.get();
        if (closed || now - last < HAND_OFF_EVERY_NANOS || !lastHandOff.compareAndSet(last, now)) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                String to = raft.transferLeadership("");
                LOG.warn("this node is short of disk space: handed the region's leadership to {}", to);
            } catch (java.io.IOException | RuntimeException e) {
                LOG.warn("this node is short of disk space but could not hand leadership over: {}", e.getMessage());
            }
        }, "kinko-disk-hand-off-" + raft.nodeId());
        t.setDaemon(true);
        t.start();
    }

    private void drain() {
        List<Pending> group = new ArrayList<>();
        while (!closed) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                group.add(first);
                inFlight.acquire();
                int bytes = first.command().getSerializedSize();
                Pending next;
                while (group.size() < MAX_COMMANDS_PER_ENTRY && (next = queue.peek()) != null
                        && bytes + next.command().getSerializedSize() <= MAX_ENTRY_BYTES) {
                    group.add(queue.poll());
                    bytes += next.command().getSerializedSize();
                }
                send(List.copyOf(group));
                group.clear();
            } catch (InterruptedException e) {
                group.forEach(p -> p.result().completeExceptionally(new RaftUnavailableException("the node is shutting down")));
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                inFlight.release();
                group.forEach(p -> p.result().completeExceptionally(e));
                group.clear();
            }
        }
        failAll(new RaftUnavailableException("the node is shutting down"));
    }

    private void send(List<Pending> group) {
        CommandBatch.Builder batch = CommandBatch.newBuilder();
        group.forEach(p -> batch.addCommands(p.command()));
        raft.submit(batch.build().toByteArray()).whenCompleteAsync((results, error) -> {
            inFlight.release();
            if (error != null) {
                Throwable cause = error.getCause() != null ? error.getCause() : error;
                group.forEach(p -> p.result().completeExceptionally(cause));
                return;
            }
            for (int i = 0; i < group.size(); i++) {
                group.get(i).result().complete(i < results.getResultsCount() ? results.getResults(i)
                        : CommandResult.newBuilder().setErrorReason(Reason.INTERNAL.name())
                                .setErrorMessage("the entry was applied before this node's restart; retry").build());
            }
        }, replies);
    }

    private void failAll(RuntimeException e) {
        Pending p;
        while ((p = queue.poll()) != null) {
            p.result().completeExceptionally(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        drainer.interrupt();
        try {
            drainer.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failAll(new RaftUnavailableException("the node is shutting down"));
        replies.shutdown();
    }
}
