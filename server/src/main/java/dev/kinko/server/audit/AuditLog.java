package dev.kinko.server.audit;

import dev.kinko.server.storage.FileTrees;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's audit log: a hash chain of JSON lines (see {@link AuditLines}) in files
 * {@code audit-<first seq>.jsonl} (0600) in a directory (0700). Thread-safe; one per node.
 *
 * <p>Each line is written to the OS before {@link #append} returns, but forced to disk only every
 * {@link #FORCE_INTERVAL_MS} and on rotation and close: an fsync per line would halve throughput,
 * and what a crash can lose is bounded and visible, because the chain's head is replicated as an
 * anchor every few seconds and the verifier reports a log that ends before an anchor.
 *
 * <p>Torn tail: if the newest file does not end in a complete, intact line (a crash mid-write),
 * the log does not continue from it and does not repair it. It keeps the file as it is, spends the
 * torn line's seq, and starts a new file whose first line follows the last intact line; the
 * verifier then reports the torn line, and the files after it verify on their own.
 */
public final class AuditLog implements Closeable {
    /** The longest a written line waits before {@code force}; see the class comment. */
    public static final long FORCE_INTERVAL_MS = 200;
    /** A reasonable rotation size for callers without their own. */
    public static final long DEFAULT_MAX_FILE_BYTES = 64L << 20;
    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
    private static final ChainHead EMPTY = new ChainHead("", 0, AuditLines.GENESIS);

    private final Path dir;
    private final String node;
    private final long maxFileBytes;
    private final AtomicLong failures = new AtomicLong();
    private final ScheduledExecutorService forcer;

    // guarded by this
    private FileChannel channel;
    private String fileName;
    private long fileBytes;
    private ChainHead head = EMPTY;
    private long nextSeq = 1;
    private boolean dirty;
    /** Set after a failed write or fsync: the next append first re-reads where the chain stands on disk. */
    private boolean recover;
    private boolean closed;

    private AuditLog(Path dir, String node, long maxFileBytes) {
        this.dir = dir;
        this.node = node;
        this.maxFileBytes = maxFileBytes;
        this.forcer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "audit-force-" + node);
            t.setDaemon(true);
            return t;
        });
    }

    /** Opens (creating it 0700 if needed) a node's audit directory and resumes its chain. */
    public static AuditLog open(Path dir, String node, long maxFileBytes) throws IOException {
        if (maxFileBytes < 1) {
            throw new IllegalArgumentException("maxFileBytes must be positive");
        }
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        AuditLog auditLog = new AuditLog(dir, node, maxFileBytes);
        synchronized (auditLog) {
            auditLog.resume();
        }
        auditLog.forcer.scheduleWithFixedDelay(auditLog::force, FORCE_INTERVAL_MS, FORCE_INTERVAL_MS, TimeUnit.MILLISECONDS);
        return auditLog;
    }

    /** Writes one line for the event; it is with the OS when this returns. The event's node must be this log's. */
    public void append(AuditEvent e) throws AuditUnavailableException {
        if (!e.node().equals(node)) {
            throw new IllegalArgumentException("an event of node " + e.node() + " in the audit log of " + node);
        }
        byte[] body = AuditLines.body(node, e); // outside the lock: only the chain's part waits for it
        synchronized (this) {
            append(e, body);
        }
    }

    private void append(AuditEvent e, byte[] body) throws AuditUnavailableException {
        try {
            if (closed) {
                throw new IOException("the audit log is closed");
            }
            if (recover) {
                resume();
                recover = false;
            }
            if (channel != null && fileBytes >= maxFileBytes) {
                closeFile();
            }
            if (channel == null) {
                startFile();
            }
            AuditLines.Line line = AuditLines.format(nextSeq, body, head.hash());
            ByteBuffer buf = ByteBuffer.wrap(line.bytes());
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            fileBytes += line.bytes().length;
            head = new ChainHead(fileName, nextSeq, line.hash());
            nextSeq++;
            dirty = true;
        } catch (IOException ex) {
            failures.incrementAndGet();
            if (!closed) {
                recover = true;
                closeQuietly();
            }
            throw new AuditUnavailableException("the audit log cannot record a " + e.action() + " event", ex);
        }
    }

    /** The newest line written (or resumed from); ("", 0, zeros) for an empty log. */
    public synchronized ChainHead head() {
        return head;
    }

    /** Appends that could not be recorded, plus failed periodic fsyncs. */
    public long failures() {
        return failures.get();
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        forcer.shutdown(); // no interrupt: an interrupted force would close the channel under us
        closeFile();
    }

    /** The periodic force; outside the lock so appends go on while the disk syncs. */
    private void force() {
        FileChannel ch;
        synchronized (this) {
            if (!dirty || channel == null) {
                return;
            }
            ch = channel;
            dirty = false;
        }
        try {
            ch.force(false);
        } catch (ClosedChannelException e) {
            // rotated, failed or closed meanwhile: each of those forces or recovers itself
        } catch (IOException e) {
            failures.incrementAndGet();
            log.warn("audit log fsync failed; the next append reopens the log", e);
            synchronized (this) {
                if (channel == ch && !closed) {
                    recover = true;
                    closeQuietly();
                }
            }
        }
    }

    /**
     * Finds where the chain stands on disk (see the class comment for a torn tail). The head
     * changes only once that succeeded, so a failed recovery leaves {@link #head} as it was.
     */
    private void resume() throws IOException {
        closeQuietly();
        List<Path> files = AuditFiles.list(dir);
        // a crash between creating a file and writing its first line leaves it empty: it holds no record
        while (!files.isEmpty() && Files.size(files.get(files.size() - 1)) == 0) {
            Files.delete(files.remove(files.size() - 1));
        }
        if (files.isEmpty()) {
            head = EMPTY;
            nextSeq = 1;
            return;
        }
        Path newest = files.get(files.size() - 1);
        AuditLines.Parsed last = intact(AuditFiles.lastLine(newest));
        if (last != null) {
            FileChannel ch = FileChannel.open(newest, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            try {
                fileBytes = ch.size();
            } catch (IOException e) {
                ch.close();
                throw e;
            }
            channel = ch;
            fileName = newest.getFileName().toString();
            head = new ChainHead(fileName, last.seq(), last.hash());
            nextSeq = last.seq() + 1;
            return;
        }
        ChainHead intactHead = lastIntactLine(files);
        // the torn line's seq is spent; the new file's name must also sort after the torn one's
        nextSeq = Math.max(intactHead.seq() + 2, AuditFiles.firstSeq(newest) + 1);
        head = intactHead;
        log.warn("audit file {} ends in a torn or damaged line; keeping it and continuing the chain at seq {} in a new file",
                newest.getFileName(), nextSeq);
    }

    private static ChainHead lastIntactLine(List<Path> files) throws IOException {
        for (int i = files.size() - 1; i >= 0; i--) {
            List<byte[]> lines = AuditFiles.read(files.get(i)).lines();
            for (int j = lines.size() - 1; j >= 0; j--) {
                AuditLines.Parsed p = intact(lines.get(j));
                if (p != null) {
                    return new ChainHead(files.get(i).getFileName().toString(), p.seq(), p.hash());
                }
            }
        }
        return EMPTY;
    }

    private static AuditLines.Parsed intact(byte[] line) {
        if (line == null) {
            return null;
        }
        try {
            AuditLines.Parsed p = AuditLines.parse(line);
            return p.hashMatches() ? p : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private void startFile() throws IOException {
        fileName = AuditFiles.name(nextSeq);
        Path file = FileTrees.createOwnerOnly(dir.resolve(fileName));
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        fileBytes = 0;
        FileTrees.fsync(dir); // the new file's name survives a crash
    }

    private void closeFile() throws IOException {
        if (channel != null) {
            FileChannel ch = channel;
            channel = null;
            dirty = false;
            try (ch) {
                ch.force(false);
            }
        }
    }

    private void closeQuietly() {
        try {
            closeFile();
        } catch (IOException e) {
            // already failing; the caller reports that
        }
    }
}
