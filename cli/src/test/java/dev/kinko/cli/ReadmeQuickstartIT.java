package dev.kinko.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README quickstart, run as written: {@code ops/kinko dev} started as the README says,
 * then every {@code $} line of the section typed into one bash session (so variables and
 * PATH carry over, as in a terminal), its output (stdout and stderr) checked against the
 * lines the README shows. The README cannot drift from what Kinko does.
 */
class ReadmeQuickstartIT {
    static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    static final String SECTION = "## Quickstart";
    static final Duration START_WITHIN = Duration.ofSeconds(150);
    static final Duration STEP_WITHIN = Duration.ofSeconds(60);
    /** Reads may be retried until they show the README's output: replication is asynchronous. */
    static final Set<String> READS = Set.of("kinko secret get", "kinko secret describe", "kinko region status");
    static final String END = "__kinko_step_end__";

    @TempDir
    Path dir;

    @Test
    void theQuickstartDoesWhatTheReadmeSays() throws Exception {
        List<ReadmeTranscript.Step> steps = ReadmeTranscript.steps(Files.readString(REPO.resolve("README.md")), SECTION);
        assertDefaultPortsFree();
        // a working directory of its own (the dev data lands in ./.kinko-dev), with the checkout's ops/ in it
        Files.createSymbolicLink(dir.resolve("ops"), REPO.resolve("ops"));
        Process dev = start(List.of("ops/kinko", "dev"));
        List<String> devOutput = ProcessLines.collect(dev);
        try {
            await().atMost(START_WITHIN).until(() -> !dev.isAlive() || devOutput.contains("Stop with Ctrl-C."));
            assertThat(dev.isAlive()).as("kinko dev output: %s", devOutput).isTrue();
            Process shell = start(List.of("bash", "--noprofile", "--norc"));
            BlockingQueue<String> shellOutput = new LinkedBlockingQueue<>();
            ProcessLines.pipe(shell, shellOutput::add);
            try (Writer in = new OutputStreamWriter(shell.getOutputStream(), StandardCharsets.UTF_8)) {
                for (ReadmeTranscript.Step step : steps) {
                    run(step, in, shellOutput);
                }
            } finally {
                shell.destroyForcibly();
            }
        } finally {
            dev.destroy(); // SIGTERM: the launcher exec'd the JVM, which stops its nodes
            if (!dev.waitFor(60, TimeUnit.SECONDS)) {
                dev.destroyForcibly();
            }
        }
    }

    private void run(ReadmeTranscript.Step step, Writer in, BlockingQueue<String> out) throws Exception {
        int wantCode = step.expectsError() ? KinkoCli.EXIT_ERROR : 0;
        Predicate<Outcome> asWritten = o -> o.code() == wantCode && step.firstMissing(o.lines()) == null
                && step.noise(o.lines()) == null;
        AtomicReference<Outcome> last = new AtomicReference<>(type(step.command(), in, out));
        if (!asWritten.test(last.get()) && READS.stream().anyMatch(step.command()::startsWith)) {
            try {
                await().atMost(STEP_WITHIN).pollInterval(Duration.ofMillis(500)).until(() -> {
                    last.set(type(step.command(), in, out));
                    return asWritten.test(last.get());
                });
            } catch (ConditionTimeoutException e) {
                // reported below with the last output
            }
        }
        Outcome o = last.get();
        if (!asWritten.test(o)) {
            fail("README step `%s`: exit %d (want %d), missing line %s, unexpected line %s; output:%n%s", step.command(),
                    o.code(), wantCode, step.firstMissing(o.lines()), step.noise(o.lines()), String.join("\n", o.lines()));
        }
    }

    record Outcome(int code, List<String> lines) {}

    /** Types one command into the shell and reads what it prints until its exit code. */
    private static Outcome type(String command, Writer in, BlockingQueue<String> out) throws Exception {
        in.write("{\n" + command + "\n} 2>&1; echo \"" + END + " $?\"\n");
        in.flush();
        List<String> lines = new ArrayList<>();
        long deadline = System.nanoTime() + STEP_WITHIN.toNanos();
        while (true) {
            String line = out.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                fail("README step `%s` did not finish within %s; output so far:%n%s", command, STEP_WITHIN,
                        String.join("\n", lines));
            }
            if (line.startsWith(END + " ")) {
                return new Outcome(Integer.parseInt(line.substring(END.length() + 1)), lines);
            }
            lines.add(line);
        }
    }

    private Process start(List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().remove("KINKO_ADDR");
        return pb.start();
    }

    /** The README's addresses are kinko dev's defaults; say so plainly when something else holds them. */
    private static void assertDefaultPortsFree() {
        int base = DevCommand.DEFAULT_CLIENT_PORT;
        for (int region = 0; region < 2; region++) {
            for (int i = 0; i < DevCommand.NODES_PER_REGION; i++) {
                int client = base + 100 * region + i;
                for (int port : new int[] {client, client + DevCommand.RAFT_PORT_OFFSET, client + DevCommand.METRICS_PORT_OFFSET,
                        client + DevCommand.AWS_PORT_OFFSET}) {
                    try (ServerSocket s = new ServerSocket(port)) {
                        s.setReuseAddress(true);
                    } catch (IOException e) {
                        fail("port %d is in use; the README quickstart runs kinko dev on its default ports", port);
                    }
                }
            }
        }
    }
}
