package dev.kinko.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A small tmpfs mounted at a directory (a node's data directory), and a ballast file that
 * fills it. Mounting needs root: without it the test is skipped with a message (CI runs as root).
 */
public final class SmallDisk implements AutoCloseable {
    private final Path mountPoint;
    private final Path ballast;

    private SmallDisk(Path mountPoint) {
        this.mountPoint = mountPoint;
        this.ballast = mountPoint.resolve("ballast");
    }

    /** Mounts a tmpfs of {@code bytes} at {@code dir} (created if missing), or skips the test. */
    public static SmallDisk mount(Path dir, long bytes) {
        try {
            Files.createDirectories(dir);
            Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + bytes + ",mode=0700", "tmpfs",
                    dir.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            boolean done = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
            Assumptions.assumeTrue(done, "cannot mount a tmpfs at " + dir + " (needs root): " + out.strip());
        } catch (IOException e) {
            Assumptions.abort("cannot run mount: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Assumptions.abort("interrupted");
        }
        return new SmallDisk(dir);
    }

    public long free() {
        try {
            return Files.getFileStore(mountPoint).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Grows the ballast until at most {@code leave} bytes are free (0: until the disk is full). */
    public void fill(long leave) {
        ByteBuffer zeros = ByteBuffer.allocate(64 << 10);
        try (FileChannel out = FileChannel.open(ballast, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            long room;
            while ((room = free() - leave) > 0) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), room));
                out.write(zeros);
            }
        } catch (IOException e) {
            if (leave > 0 || !String.valueOf(e.getMessage()).contains("No space")) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Space returns: the ballast is deleted. */
    public void clear() {
        try {
            Files.deleteIfExists(ballast);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Unmounts (lazily, so a node that still holds files open does not keep it busy). */
    @Override
    public void close() {
        try {
            new ProcessBuilder("umount", "-l", mountPoint.toString()).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
