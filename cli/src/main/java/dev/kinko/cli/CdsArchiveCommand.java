package dev.kinko.cli;

import dev.kinko.server.KinkoNode;
import dev.kinko.server.config.NodeConfig;
import dev.kinko.server.storage.FileTrees;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kinko cds-archive FILE}: makes the class-data sharing archive that node processes start
 * with ({@code -XX:SharedArchiveFile=FILE}; JDK 17 has no {@code -XX:+AutoCreateSharedArchive}).
 * A second JVM, started with {@code -XX:ArchiveClassesAtExit}, runs a one-node region in a
 * temporary directory until it leads, runs the common CLI commands against it, stops it and
 * exits; the JVM then writes the classes it loaded. CLI processes start from the same archive
 * ({@code ops/kinko} passes it to every command once a node start made it). The archive is
 * written beside FILE and renamed onto it, so nodes that start meanwhile see the old archive or
 * the new one, never half of one. A missing, stale
 * (another kinko.jar) or damaged archive costs nothing but the speed-up: the JVM ignores it.
 */
@Command(name = "cds-archive", hidden = true, mixinStandardHelpOptions = true,
        description = "Make the class-data sharing archive node processes start with (faster start).")
final class CdsArchiveCommand implements Callable<Integer> {
    /** How long the training run may take to lead and run its commands. */
    static final Duration TRAINING_WITHIN = Duration.ofMinutes(2);

    @Parameters(paramLabel = "FILE", description = "The archive to write (node launchers pass it as -XX:SharedArchiveFile).")
    Path file;

    @Option(names = "--if-stale", description = "Only when FILE is missing or older than the jar.")
    boolean ifStale;

    @Option(names = "--train", hidden = true, description = "Run the training region in this JVM (the child's part).")
    boolean train;

    @Override
    public Integer call() throws Exception {
        if (train) {
            train(file);
            return 0;
        }
        make(file, ifStale);
        return 0;
    }

    /**
     * The JVM flags of every node process (ops/kinko, ops/systemd, kinko dev, the benches), given its
     * archive. The serial collector from a 32 MiB heap: on 2 cores G1's own threads and structures
     * cost memory without a throughput gain (ops/bench/README.md, step 6).
     */
    static List<String> nodeJvmFlags(String maxHeap, Path archive) {
        return List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xms32m", "-Xmx" + maxHeap,
                "-XX:+ExitOnOutOfMemoryError",
                "-XX:SharedArchiveFile=" + archive, "-Xshare:auto");
    }

    /** The archive beside the jar this JVM runs from: {@code kinko.jar} -> {@code kinko.jsa}. */
    static Path besideJar() {
        Path jar = ownJar();
        String name = jar.getFileName().toString();
        return jar.resolveSibling((name.endsWith(".jar") ? name.substring(0, name.length() - 4) : name) + ".jsa");
    }

    static Path ownJar() {
        try {
            return Path.of(KinkoCli.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Makes {@code archive} (when {@code ifStale}: only if it is missing or older than the jar). */
    static void make(Path archive, boolean ifStale) throws IOException, InterruptedException {
        Path jar = ownJar();
        if (!Files.isRegularFile(jar)) {
            throw new CliException("not started from a kinko.jar (" + jar + "): nothing to archive");
        }
        if (ifStale && Files.isRegularFile(archive)
                && Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) > 0) {
            return;
        }
        Path dir = Files.createTempDirectory("kinko-cds-");
        Path partial = archive.resolveSibling(archive.getFileName() + ".partial-" + ProcessHandle.current().pid());
        try {
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> command = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-Xmx512m",
                    "-XX:ArchiveClassesAtExit=" + partial, "-Xlog:cds=off", "-Xlog:cds+dynamic=off",
                    "-cp", jar.toString(), KinkoCli.class.getName(), "cds-archive", "--train", dir.toString()));
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("training.log").toFile()).start();
            if (!p.waitFor(3, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new CliException("the training run for " + archive + " did not finish in 3 minutes");
            }
            if (p.exitValue() != 0 || !Files.isRegularFile(partial)) {
                throw new CliException("the training run for " + archive + " failed (exit " + p.exitValue() + "): "
                        + Files.readString(dir.resolve("training.log")).strip());
            }
            Files.move(partial, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(partial);
            FileTrees.delete(dir);
        }
    }

    /** A one-node region in {@code dir}: started, led, the common CLI commands run against it, stopped. */
    private static void train(Path dir) throws Exception {
        LogOptions.configure(LogOptions.Format.text, "ERROR");
        DevPki pki = new DevPki(dir);
        pki.ensure(List.of("cds"), 1);
        int[] ports = freePorts(3);
        String yaml = "node_id: cds-1\nregion: cds\n"
                + "data_dir: " + dir.resolve("cds-1") + "\n"
                + "key_file: " + pki.keyFile("cds") + "\n"
                + pki.tlsYaml("cds", "cds-1")
                + "listen_host: 127.0.0.1\n"
                + "client_port: " + ports[0] + "\n"
                + "metrics_port: " + ports[1] + "\n"
                + "peers:\n  - id: cds-1\n    raft_address: 127.0.0.1:" + ports[2]
                + "\n    client_address: 127.0.0.1:" + ports[0] + "\n";
        Path config = dir.resolve("cds-1.yaml");
        Files.writeString(config, yaml);
        KinkoNode node = KinkoNode.start(NodeConfig.load(config));
        try {
            long deadline = System.nanoTime() + TRAINING_WITHIN.toNanos();
            while (!node.raft().isLeaderReady()) {
                if (System.nanoTime() > deadline) {
                    throw new CliException("the training node did not lead within " + TRAINING_WITHIN);
                }
                Thread.sleep(50);
            }
            trainCli(pki, "127.0.0.1:" + ports[0], deadline);
        } finally {
            node.close();
        }
    }

    /**
     * The commands users type most, run in this JVM against the training node, so the archive
     * holds the CLI's classes too (its commands, the client, gRPC's client side; not picocli,
     * whose Java 5 class files the JVM does not archive) and {@code ops/kinko}'s short-lived CLI
     * processes start from it as well. The first is retried until the leader
     * has committed the root token it bootstraps.
     */
    private static void trainCli(DevPki pki, String address, long deadline) throws IOException, InterruptedException {
        String[] target = {"--addr", address, "--cacert", pki.caFile().toString(), "--token", pki.rootToken("cds")};
        List<List<String>> commands = List.of(
                List.of("secret", "create", "cds/training", "--value", "training"),
                List.of("secret", "put", "cds/training", "--value", "training-2"),
                List.of("secret", "get", "cds/training"),
                List.of("secret", "describe", "cds/training"),
                List.of("secret", "versions", "cds/training"),
                List.of("cluster", "status"));
        for (int i = 0; i < commands.size(); i++) {
            List<String> args = new ArrayList<>(commands.get(i));
            args.addAll(List.of(target));
            while (true) {
                StringWriter errors = new StringWriter();
                int code = KinkoCli.run(args.toArray(String[]::new), new PrintWriter(Writer.nullWriter()),
                        new PrintWriter(errors));
                if (code == 0) {
                    break;
                }
                if (i > 0 || System.nanoTime() > deadline) {
                    throw new CliException("the training command '" + String.join(" ", commands.get(i))
                            + "' failed (exit " + code + "): " + errors.toString().strip());
                }
                Thread.sleep(50);
            }
        }
    }

    private static int[] freePorts(int n) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                held.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }
}
