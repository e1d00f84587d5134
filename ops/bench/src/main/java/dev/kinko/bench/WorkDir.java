package dev.kinko.bench;

import dev.kinko.server.storage.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A bench's temporary directory (its nodes' data and logs, hundreds of MiB to a GiB a run), deleted
 * when the bench ends, after its nodes stopped. With {@value #KEEP}=1 it stays, for the node logs.
 */
final class WorkDir implements AutoCloseable {
    static final String KEEP = "KINKO_BENCH_KEEP";

    private final Path path;

    private WorkDir(Path path) {
        this.path = path;
    }

    static WorkDir create(String prefix) throws IOException {
        return new WorkDir(Files.createTempDirectory(prefix));
    }

    Path path() {
        return path;
    }

    @Override
    public void close() {
        if ("1".equals(System.getenv(KEEP))) {
            System.err.println("kept the bench's directory (" + KEEP + "=1): " + path);
            return;
        }
        try {
            FileTrees.delete(path);
        } catch (IOException e) { // a node still writing as it stops: the figures stand, say what is left
            System.err.println("could not delete the bench's directory " + path + ": " + e.getMessage());
        }
    }
}
