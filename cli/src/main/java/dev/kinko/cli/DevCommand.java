package dev.kinko.cli;

import dev.kinko.client.KinkoClient;
import dev.kinko.proto.v1.GetClusterStatusRequest;
import dev.kinko.proto.v1.GetClusterStatusResponse;
import dev.kinko.proto.v1.MemberRole;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kinko dev}: a local deployment on loopback, each node its own
 * process. Region number r (0-based, in --regions order) has client ports
 * CLIENT+100r .. CLIENT+100r+2, Raft ports 1000 above them and metrics ports 2000 above.
 */
@Command(name = "dev", mixinStandardHelpOptions = true,
        description = "Start a local deployment (3 nodes per region) and keep it running until Ctrl-C.")
final class DevCommand implements Callable<Integer> {
    static final int NODES_PER_REGION = 3;
    static final int DEFAULT_CLIENT_PORT = 8101;
    static final int RAFT_PORT_OFFSET = 1000;
    static final int METRICS_PORT_OFFSET = 2000;
    /** Each node's AWS Secrets Manager-compatible endpoint (https). */
    static final int AWS_PORT_OFFSET = 3000;
    static final Duration READY_WITHIN = Duration.ofSeconds(120);

    @Option(names = "--data", paramLabel = "DIR", defaultValue = ".kinko-dev",
            description = "Where nodes keep their data, keys, configs and logs; reused when it exists (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--regions", paramLabel = "R", split = ",", defaultValue = "tokyo,osaka",
            description = "Regions to start; the first is linked to the others as their primary (default: ${DEFAULT-VALUE}).")
    List<String> regions;

    @Option(names = "--client-port", paramLabel = "PORT", defaultValue = "" + DEFAULT_CLIENT_PORT,
            description = "First client port of the first region (default: ${DEFAULT-VALUE}).")
    int clientPort;

    @Mixin
    LogOptions logs;

    @Spec
    CommandSpec spec;

    private final List<Process> processes = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        logs.apply();
        ClientCommand.quietClientLogs();
        PrintWriter out = spec.commandLine().getOut();
        Path dir = data.toAbsolutePath().normalize();
        Files.createDirectories(dir.resolve("logs"));
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopAll();
            stop.countDown();
        }, "kinko-dev-stop"));

        DevPki pki = new DevPki(dir);
        pki.ensure(regions, NODES_PER_REGION);
        List<String> endpoints = new ArrayList<>();
        List<String> regionAddresses = new ArrayList<>();
        for (int r = 0; r < regions.size(); r++) {
            String region = regions.get(r);
            List<String> addresses = new ArrayList<>();
            for (int n = 0; n < NODES_PER_REGION; n++) {
                addresses.add("127.0.0.1:" + (clientPort + 100 * r + n));
            }
            for (int n = 0; n < NODES_PER_REGION; n++) {
                Path config = writeConfig(dir, pki, region, r, n);
                processes.add(launch(dir, region + "-" + (n + 1), config));
            }
            String joined = String.join(",", addresses);
            regionAddresses.add(joined);
            endpoints.add(region + ": " + joined);
        }
        for (int r = 0; r < regions.size(); r++) {
            awaitReady(dir, pki, regions.get(r), regionAddresses.get(r));
            String aws = "https://127.0.0.1:" + (clientPort + 100 * r + AWS_PORT_OFFSET);
            pki.writeEnv(regions.get(r), regionAddresses.get(r), aws, devAccessKey(pki, regions.get(r),
                    regionAddresses.get(r)));
            endpoints.set(r, endpoints.get(r) + " (AWS endpoints " + aws + " and the next two ports)");
        }
        out.println("Kinko dev deployment is up (data and logs in " + dir + ").");
        endpoints.forEach(e -> out.println("  region " + e));
        for (String region : regions) {
            out.println("Point the CLI at " + region + ":  set -a; . " + dir.resolve(region + ".env") + "; set +a");
        }
        out.println("Stop with Ctrl-C.");
        out.flush();

        for (Process p : processes) {
            p.onExit().thenRun(() -> {
                if (stop.getCount() > 0) {
                    System.err.println("kinko: a node exited unexpectedly (code " + p.exitValue()
                            + "); see " + dir.resolve("logs") + "; stopping the deployment");
                    System.exit(KinkoCli.EXIT_ERROR);
                }
            });
        }
        stop.await();
        return 0;
    }

    private Path writeConfig(Path dir, DevPki pki, String region, int r, int n) throws IOException {
        StringBuilder peers = new StringBuilder();
        for (int i = 0; i < NODES_PER_REGION; i++) {
            int client = clientPort + 100 * r + i;
            peers.append("  - id: ").append(region).append('-').append(i + 1).append('\n')
                    .append("    raft_address: 127.0.0.1:").append(client + RAFT_PORT_OFFSET).append('\n')
                    .append("    client_address: 127.0.0.1:").append(client).append('\n');
        }
        String nodeId = region + "-" + (n + 1);
        StringBuilder links = new StringBuilder();
        if (r == 0 && regions.size() > 1) {
            links.append("links:\n");
            for (int other = 1; other < regions.size(); other++) {
                links.append("  - region: ").append(regions.get(other)).append('\n').append("    addresses: [");
                for (int i = 0; i < NODES_PER_REGION; i++) {
                    links.append(i == 0 ? "" : ", ").append("\"127.0.0.1:").append(clientPort + 100 * other + i).append('"');
                }
                links.append("]\n");
            }
        }
        String yaml = "# written by 'kinko dev'; rewritten at every start\n"
                + "node_id: " + nodeId + "\n"
                + "region: " + region + "\n"
                + "data_dir: " + dir.resolve(nodeId) + "\n"
                + "key_file: " + pki.keyFile(region) + "\n"
                + pki.tlsYaml(region, nodeId)
                + "listen_host: 127.0.0.1\n"
                + "client_port: " + (clientPort + 100 * r + n) + "\n"
                + "metrics_port: " + (clientPort + 100 * r + n + METRICS_PORT_OFFSET) + "\n"
                + "aws:\n  port: " + (clientPort + 100 * r + n + AWS_PORT_OFFSET) + "\n"
                + "peers:\n" + peers
                + links;
        Path config = dir.resolve(nodeId + ".yaml");
        Files.writeString(config, yaml);
        return config;
    }

    private Process launch(Path dir, String nodeId, Path config) throws IOException {
        List<String> command = nodeCommand(config);
        Path log = dir.resolve("logs").resolve(nodeId + ".log");
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    /** The command line of one node process: this JVM's class path, 'kinko server', the log options. */
    List<String> nodeCommand(Path config) {
        String java = ProcessHandle.current().info().command().orElse("java");
        // the node flags of ops/systemd/kinko@.service, with less heap; the archive beside kinko.jar
        // when 'kinko cds-archive' (ops/kinko does) made it, else the JVM starts without it
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(CdsArchiveCommand.nodeJvmFlags("512m", CdsArchiveCommand.besideJar()));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), KinkoCli.class.getName(),
                "server", "--config", config.toString(), "--parent-pid", String.valueOf(ProcessHandle.current().pid())));
        command.addAll(logs.args());
        return command;
    }

    private void awaitReady(Path dir, DevPki pki, String region, String addresses)
            throws InterruptedException, IOException {
        long deadline = System.nanoTime() + READY_WITHIN.toNanos();
        try (KinkoClient client = KinkoClient.builder().addresses(addresses).deadline(Duration.ofSeconds(3))
                .tls(pki.caFile()).token(pki.rootToken(region)).retry(1, Duration.ofMillis(50)).build()) {
            while (System.nanoTime() < deadline) {
                for (Process p : processes) {
                    if (!p.isAlive()) {
                        throw new CliException("a node of region " + region + " exited during start; see "
                                + dir.resolve("logs"));
                    }
                }
                try {
                    GetClusterStatusResponse s = client.admin(a -> a.getClusterStatus(GetClusterStatusRequest.getDefaultInstance()));
                    boolean allUp = s.getNodesList().stream().noneMatch(n -> n.getRole() == MemberRole.MEMBER_ROLE_UNREACHABLE);
                    if (!s.getLeaderId().isEmpty() && allUp) {
                        return;
                    }
                } catch (RuntimeException notYet) {
                    // nodes still starting
                }
                TimeUnit.MILLISECONDS.sleep(250);
            }
        }
        throw new CliException("region " + region + " did not elect a leader within " + READY_WITHIN.toSeconds()
                + " s; see " + dir.resolve("logs"));
    }

    /**
     * The region's dev access key for the AWS endpoint (a policy allowing everything), kept in the
     * data directory and made again only when it is gone or was revoked.
     */
    private static String[] devAccessKey(DevPki pki, String region, String addresses) throws IOException {
        Path file = pki.accessKeyFile(region);
        try (KinkoClient client = KinkoClient.builder().addresses(addresses).deadline(Duration.ofSeconds(10))
                .tls(pki.caFile()).token(pki.rootToken(region)).build()) {
            if (Files.exists(file)) {
                String[] kept = Files.readString(file, java.nio.charset.StandardCharsets.US_ASCII).strip().split("\n");
                boolean live = kept.length == 2 && client.access(a -> a.listTokens(
                        dev.kinko.proto.v1.ListTokensRequest.getDefaultInstance())).getTokensList().stream()
                        .anyMatch(t -> t.getAccessor().equals(kept[0]));
                if (live) {
                    return kept;
                }
            }
            String policy = "dev-aws-" + region; // policies replicate between regions: one name per region
            client.access(a -> a.putPolicy(dev.kinko.proto.v1.PutPolicyRequest.newBuilder().setName(policy)
                    .setDocument("{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\","
                            + " \"Action\": \"*\", \"Resource\": \"*\"}]}").build()));
            dev.kinko.proto.v1.CreateTokenResponse key = client.access(a -> a.createToken(
                    dev.kinko.proto.v1.CreateTokenRequest.newBuilder().addPolicies(policy).setName("kinko dev AWS key")
                            .setAccessKey(true).build()));
            String[] made = {key.getAccessKeyId(), key.getSecretAccessKey()};
            Files.deleteIfExists(file);
            Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, made[0] + "\n" + made[1] + "\n", java.nio.charset.StandardCharsets.US_ASCII);
            return made;
        }
    }

    private void stopAll() {
        processes.forEach(Process::destroy);
        for (Process p : processes) {
            try {
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
    }

}
