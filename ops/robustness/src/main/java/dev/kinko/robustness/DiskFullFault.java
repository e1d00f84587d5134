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
 * and a ballast file takes every free byte; heal deletes it. The node should refuse writes with a
 * clear error meanwhile and take them again once there is room.
 */
final class DiskFullFault implements Fault {
    static final String BALLAST = "robustness-ballast";
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
            while (true) {
                mib.clear();
                written += f.write(mib);
            }
        } catch (IOException full) {
            // No space left on device: the point
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
