package dev.kinko.server.consensus;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node does when its Raft log or its state cannot be written (a full disk, an I/O
 * error). Ratis fails every later append of a log that failed once, until the process
 * restarts, and a state machine that cannot apply an entry must never skip it: so the node
 * does not limp on as a member that never catches up. It exits with {@link #EXIT_CODE}, and
 * its service manager starts it again (the systemd unit restarts on failure): at start it
 * replays its log above RocksDB's applied index and catches up from the leader. Nothing it
 * acknowledged is lost: an entry is acknowledged only once a majority has it on disk.
 */
public final class StorageFailures {
    private static final Logger LOG = LoggerFactory.getLogger(StorageFailures.class);

    /** sysexits' EX_IOERR: the process stopped because its storage failed. */
    public static final int EXIT_CODE = 74;
    /** How long the orderly shutdown may take before the process halts. */
    static final long HALT_AFTER_MILLIS = 30_000;

    /** Reacts to one failure; {@code what} says which store failed, for the log line. */
    @FunctionalInterface
    public interface Handler {
        void failed(String what, Throwable cause);
    }

    private StorageFailures() {
    }

    /** The default: logs the cause and exits the process (on its own thread, never a Ratis one). */
    public static void exit(String what, Throwable cause) {
        LOG.error("{} failed: {}; this node exits (code {}) so its service manager restarts it, and it catches up "
                + "from its region then (free space on the data directory first if it is full)", what,
                String.valueOf(cause), EXIT_CODE, cause);
        // the shutdown hook closes the node; should closing hang on the failed store, halt anyway
        Thread halt = new Thread(() -> {
            try {
                Thread.sleep(HALT_AFTER_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Runtime.getRuntime().halt(EXIT_CODE);
        }, "kinko-storage-failure-halt");
        halt.setDaemon(true);
        halt.start();
        Thread t = new Thread(() -> System.exit(EXIT_CODE), "kinko-storage-failure-exit");
        t.setDaemon(false);
        t.start();
    }
}
