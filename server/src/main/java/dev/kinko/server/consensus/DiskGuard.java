package dev.kinko.server.consensus;

import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a reserve of free space on a node's data directory: below it the leader refuses new
 * writes ({@link Reason#DISK_FULL}) before they reach the Raft log, because a Raft log that
 * hits a full disk fails for good (Ratis fails every later append until the process restarts)
 * and RocksDB turns read-only. The reserve leaves room for entries already in flight, for the
 * followers' share of them, for snapshots, RocksDB flushes and the audit log.
 */
public final class DiskGuard {
    private static final Logger LOG = LoggerFactory.getLogger(DiskGuard.class);

    /** Free bytes a node keeps on its data directory's file system; below this it takes no writes. */
    public static final long DEFAULT_MIN_FREE_BYTES = 64L << 20;
    /** How long one look at the file system's free space is trusted. */
    static final long RECHECK_NANOS = 200_000_000L;

    private final Path dir;
    private final long minFreeBytes;
    private volatile long checkedAt = System.nanoTime() - RECHECK_NANOS;
    private volatile long free = Long.MAX_VALUE;
    private volatile boolean low;

    public DiskGuard(Path dir, long minFreeBytes) {
        this.dir = dir;
        this.minFreeBytes = minFreeBytes;
    }

    /** Free bytes on the file system that holds {@code dir}, or -1 if it cannot be read. */
    public static long usableBytes(Path dir) {
        try {
            FileStore store = Files.getFileStore(dir);
            return store.getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    public long minFreeBytes() {
        return minFreeBytes;
    }

    /** Free bytes at the last look (looks again when that is older than {@link #RECHECK_NANOS}). */
    public long freeBytes() {
        long now = System.nanoTime();
        if (now - checkedAt >= RECHECK_NANOS) {
            checkedAt = now;
            long f = usableBytes(dir);
            free = f < 0 ? Long.MAX_VALUE : f; // a file system we cannot ask is not refused for it
            boolean wasLow = low;
            low = free < minFreeBytes;
            if (low && !wasLow) {
                LOG.warn("the data directory {} has {} MiB free, below the {} MiB a node keeps; "
                        + "this node refuses writes while it leads (DISK_FULL) until space returns",
                        dir, free >> 20, minFreeBytes >> 20);
            } else if (!low && wasLow) {
                LOG.info("the data directory {} has {} MiB free again; writes are accepted", dir, free >> 20);
            }
        }
        return free;
    }

    public boolean low() {
        freeBytes();
        return low;
    }

    /** Throws {@link Reason#DISK_FULL} while free space is below the reserve. */
    public void check(String nodeId) {
        if (low()) {
            throw new KinkoException(Reason.DISK_FULL, "node " + nodeId + " leads the region but has "
                    + (free >> 20) + " MiB free on its data directory, below the " + (minFreeBytes >> 20)
                    + " MiB it keeps; writes are refused until space returns or another node leads; retry");
        }
    }
}
