package dev.kinko.robustness;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The LD_PRELOAD shim (resource {@code wallclock_offset.c}) that moves one node's wall clock by
 * the offset in a file and leaves its monotonic clock alone, as an NTP step does. Built with the
 * machine's gcc when the cluster starts; libfaketime, the usual tool, costs a JVM here about one
 * core while idle (see the C file).
 */
final class WallClockShim {
    static final String SOURCE = "wallclock_offset.c";
    static final String OFFSET_FILE_VARIABLE = "KINKO_WALLCLOCK_OFFSET_FILE";

    private WallClockShim() {}

    /** Compiles the shim into {@code dir}; throws with the reason when it cannot (no gcc). */
    static Path build(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path source = dir.resolve(SOURCE);
        try (InputStream in = WallClockShim.class.getResourceAsStream("/" + SOURCE)) {
            if (in == null) {
                throw new IOException("resource " + SOURCE + " missing");
            }
            Files.copy(in, source, StandardCopyOption.REPLACE_EXISTING);
        }
        Path library = dir.resolve("wallclock_offset.so");
        Process gcc;
        try {
            gcc = new ProcessBuilder(List.of("gcc", "-O2", "-shared", "-fPIC", "-o", library.toString(), source.toString(), "-ldl"))
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("no C compiler to build the wall-clock shim (" + e.getMessage() + ")");
        }
        try {
            String output = new String(gcc.getInputStream().readAllBytes());
            if (!gcc.waitFor(60, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
                throw new IOException("gcc failed to build the wall-clock shim: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while building the wall-clock shim");
        }
        return library;
    }

    /** The environment of a node process whose wall clock follows {@code offsetFile}. */
    static Map<String, String> environment(Path library, Path offsetFile) {
        return Map.of("LD_PRELOAD", library.toString(), OFFSET_FILE_VARIABLE, offsetFile.toString());
    }

    /** Moves the wall clock of the processes reading {@code offsetFile} (seen within 100 ms). */
    static void setOffset(Path offsetFile, Duration offset) throws IOException {
        Path tmp = offsetFile.resolveSibling(offsetFile.getFileName() + ".tmp");
        Files.writeString(tmp, offset.toMillis() + "\n");
        Files.move(tmp, offsetFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
