package dev.kinko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kinko cds-archive} with the packaged jar: the training run finishes well inside its
 * deadline, and a CLI process started from the archive (as {@code ops/kinko} starts every command
 * once a node start made it) takes the CLI's own classes from it, not only the node's.
 */
class CdsArchiveIT {
    @TempDir
    Path dir;

    final Path jar = Path.of(System.getProperty("kinko.jar", "target/kinko.jar"));

    @Test
    void theArchiveHoldsTheNodeAndTheCliClasses() throws Exception {
        Path archive = dir.resolve("kinko.jsa");
        Run made = java(List.of("-XX:TieredStopAtLevel=1", "-jar", jar.toString(), "cds-archive", archive.toString()),
                CdsArchiveCommand.TRAINING_WITHIN.toSeconds() + 60);
        assertThat(made.code()).as("cds-archive output: %s", made.output()).isZero();
        assertThat(archive).isRegularFile();

        // -Xshare:on: the JVM refuses to start when it cannot use the archive
        Run cli = java(List.of("-XX:TieredStopAtLevel=1", "-XX:SharedArchiveFile=" + archive, "-Xshare:on",
                "-Xlog:class+load=info", "-jar", jar.toString(), "secret", "get", "any/name", "--addr", "127.0.0.1:1",
                "--timeout", "1"), 60);
        assertThat(cli.output()).as("the command ran from the archive").contains("kinko: ");
        // (picocli is not among them: its Java 5 class files are too old for the JVM to archive)
        for (String cls : List.of("dev.kinko.cli.KinkoCli", "dev.kinko.cli.SecretCommand", "dev.kinko.client.KinkoClient",
                "io.grpc.internal.ManagedChannelImpl")) {
            assertThat(cli.output().lines().filter(l -> l.contains(" " + cls + " ")))
                    .as("where %s came from", cls).singleElement().asString().contains("shared objects file");
        }
    }

    record Run(int code, String output) {}

    private Run java(List<String> args, long withinSeconds) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("java"));
        command.addAll(args);
        Path out = Files.createTempFile(dir, "out", ".txt");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(withinSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within " + withinSeconds + " s: "
                    + Files.readString(out, StandardCharsets.UTF_8));
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }
}
