package dev.kinko.robustness;

import dev.kinko.bench.LocalRegion.Node;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * The disk of tokyo's leader fills up: its data directory is a tmpfs of {@link Cluster#TMPFS_SIZE},
 * and a ballast file takes all but {@link #LEFT_FREE} of it, far below the 64 MiB a node keeps;
 * heal deletes it. The node should refuse writes with DISK_FULL meanwhile, hand leadership on, and
 * take writes again once there is room.
 *
 * <p>Not to the last byte: then Ratis 3.3 can leave its {@code raft-meta} (term and vote) empty
 * (its atomic file output renames a file whose write failed), and the node cannot start again until
 * an operator replaces it (README, "A full disk"). Seen in a run here; that case is documented, not
 * part of the suite's pass/fail.
 */
final class DiskFullFault implements Fault {
    static final String BALLAST = "robustness-ballast";
    /** What the ballast leaves: room for the Raft metadata, audit lines and entries in flight. */
    static final long LEFT_FREE = 8L << 20;
    private final Cluster cluster;
    private Path ballast;
    private String target = "";

    DiskFullFault(Cluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public String name() {
        return "disk-full-leader";
    }

    @Override
    public Duration hold() {
        return Duration.ofSeconds(6);
    }

    @Override
    public String unavailable() {
        return cluster.tmpfsMounts.isEmpty() ? "no tmpfs data directories: " + cluster.tmpfsUnavailable : "";
    }

    @Override
    public void inject() throws Exception {
        Node leader = cluster.leader(cluster.tokyo, Duration.ofSeconds(20));
        ballast = leader.dataDir().resolve(BALLAST);
        long written = 0;
        ByteBuffer mib = ByteBuffer.allocate(1 << 20);
        try (FileChannel f = FileChannel.open(ballast, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            while (Files.getFileStore(leader.dataDir()).getUsableSpace() > LEFT_FREE + mib.capacity()) {
                mib.clear();
                written += f.write(mib);
            }
        } catch (IOException full) {
            // the node wrote faster than the ballast: the disk is full, which is still the fault
        }
        target = leader.id() + " (leader; " + (written >> 20) + " MiB ballast)";
    }

    @Override
    public void heal() throws IOException {
        if (ballast != null) {
            Files.deleteIfExists(ballast);
        }
    }

    @Override
    public String target() {
        return target;
    }
}
