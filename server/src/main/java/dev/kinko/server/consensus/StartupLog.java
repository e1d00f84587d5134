package dev.kinko.server.consensus;

import java.lang.management.ManagementFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INFO lines that time a node's start, one per phase: the phase's own milliseconds and the
 * milliseconds since the JVM started, so a log shows where a start's time went (JVM and class
 * loading before the first line, then TLS, RocksDB, Raft, the API, the first election).
 * ops/robustness/startup reads them. Names and times only, never a value.
 */
public final class StartupLog {
    private static final Logger LOG = LoggerFactory.getLogger(StartupLog.class);

    private final String nodeId;
    private long last = System.nanoTime();

    public StartupLog(String nodeId) {
        this.nodeId = nodeId;
        LOG.info("startup {}: begin, {} ms since JVM start", nodeId, sinceJvmStart());
    }

    /** Logs that {@code phase} is done: its duration since the previous phase, and the JVM's uptime. */
    public void done(String phase) {
        long now = System.nanoTime();
        long took = (now - last) / 1_000_000;
        last = now;
        LOG.info("startup {}: {} took {} ms, {} ms since JVM start", nodeId, phase, took, sinceJvmStart());
    }

    /** Milliseconds since this JVM started (its RuntimeMXBean start time). */
    public static long sinceJvmStart() {
        return ManagementFactory.getRuntimeMXBean().getUptime();
    }
}
