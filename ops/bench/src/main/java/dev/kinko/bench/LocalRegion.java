package dev.kinko.bench;

import dev.kinko.proto.v1.AdminServiceGrpc;
import dev.kinko.proto.v1.GetClusterStatusRequest;
import dev.kinko.proto.v1.GetClusterStatusResponse;
import dev.kinko.proto.v1.MemberRole;
import dev.kinko.proto.v1.SecretsServiceGrpc;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * One region of real node processes on loopback, each started as production starts it
 * ({@code java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xms32m -Xmx1g -jar kinko.jar server ...}, the
 * ExecStart of ops/systemd/kinko@.service) from a given kinko.jar, so a bench can kill -9 and
 * restart single nodes. The deployment's CA, certificates and key files are made by that jar's
 * own {@code kinko pki} and {@code kinko keygen}, as an operator makes them (ops/config/README.md);
 * the region's first leader writes the root token to {@code root_token_file}.
 */
public final class LocalRegion implements AutoCloseable {
    /**
     * The node JVM's flags: those of ops/systemd/kinko@.service (and ops/kinko's for 'server'), but
     * for the class-data sharing archive, which {@link #start} adds: the one beside the jar.
     */
    public static final List<String> NODE_JVM_FLAGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xms32m",
            "-Xmx1g", "-XX:+ExitOnOutOfMemoryError");
    public static final String HOST = "127.0.0.1";

    /** One node: its address, ports, files and directories. */
    public record Node(String id, String host, int clientPort, int raftPort, int metricsPort, Path dataDir, Path config, Path log) {
        public String clientAddress() {
            return host + ":" + clientPort;
        }

        public String raftAddress() {
            return host + ":" + raftPort;
        }
    }

    /**
     * Where and how a node runs: the address it listens on (and its peers reach it at), a command
     * put before {@code java} that must exec it so the process stays the JVM (e.g. {@code ip netns
     * exec NS}), and environment variables for it (e.g. LD_PRELOAD). The default: loopback, as is.
     */
    public record Placement(String host, List<String> commandPrefix, Map<String, String> env) {
        public static final Placement LOOPBACK = new Placement(HOST, List.of(), Map.of());
    }

    /** One line of a node's Prometheus text. */
    public record Sample(String name, String labels, double value) {}

    private final String name;
    private final Path jar;
    private final Path rootTokenFile;
    private final Path ca;
    private final Path pidFile;
    private final Function<String, Placement> placement;
    private final List<Node> nodes;
    private final ChannelCredentials tls;
    private final Map<String, Process> processes = new ConcurrentHashMap<>();
    private final Set<Long> expectedExits = ConcurrentHashMap.newKeySet();
    private final List<String> unexpectedExits = new CopyOnWriteArrayList<>();
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private volatile Metadata headers = new Metadata();
    private volatile List<String> nodeJvmFlags;

    private LocalRegion(String name, Path jar, Path ca, Path rootTokenFile, Path pidFile, List<Node> nodes,
            Function<String, Placement> placement) throws IOException {
        this.name = name;
        this.placement = placement;
        this.jar = jar;
        this.rootTokenFile = rootTokenFile;
        this.pidFile = pidFile;
        this.nodes = List.copyOf(nodes);
        this.ca = ca;
        this.tls = BenchChannels.tlsTrusting(ca);
        List<String> flags = new ArrayList<>(NODE_JVM_FLAGS);
        flags.addAll(List.of("-XX:SharedArchiveFile=" + archive(jar), "-Xshare:auto"));
        this.nodeJvmFlags = List.copyOf(flags);
    }

    /** The class-data sharing archive beside {@code jar} (kinko.jar -> kinko.jsa), as ops/kinko keeps it. */
    static Path archive(Path jar) {
        String name = jar.getFileName().toString();
        return jar.resolveSibling((name.endsWith(".jar") ? name.substring(0, name.length() - 4) : name) + ".jsa");
    }

    /**
     * Makes the jar's archive when it is missing or older than the jar, as ops/kinko does; a jar
     * without 'kinko cds-archive' (an older revision) starts its nodes without one.
     */
    static void ensureArchive(Path jar) throws InterruptedException {
        try {
            kinko(jar, "cds-archive", "--if-stale", archive(jar).toString());
        } catch (IOException e) {
            System.err.println("no class-data sharing archive for " + jar + ": " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** Makes the deployment CA in {@code pki} with the jar's {@code kinko pki init}. */
    public static void initPki(Path jar, Path pki) throws IOException, InterruptedException {
        kinko(jar, "pki", "init", "--dir", pki.toString());
    }

    /**
     * Writes the configs of region {@code region} ({@code size} nodes on free loopback ports, data
     * under {@code dir}, logs under {@code logs}) and makes its certificates and key file; starts nothing.
     * Every started node's pid is appended to {@code pidFile}, so a script can clean up after a killed bench.
     */
    public static LocalRegion create(String region, int size, Path jar, Path pki, Path dir, Path logs, Path pidFile)
            throws IOException, InterruptedException {
        return create(region, size, jar, pki, dir, logs, pidFile, id -> Placement.LOOPBACK);
    }

    /** As {@link #create(String, int, Path, Path, Path, Path, Path)}, each node placed by {@code placement} (by node id). */
    public static LocalRegion create(String region, int size, Path jar, Path pki, Path dir, Path logs, Path pidFile,
            Function<String, Placement> placement) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Files.createDirectories(logs);
        ensureArchive(jar);
        int[] ports = freePorts(3 * size);
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            String id = region + "-" + (i + 1);
            String host = placement.apply(id).host();
            nodes.add(new Node(id, host, ports[3 * i], ports[3 * i + 1], ports[3 * i + 2], dir.resolve(id),
                    dir.resolve(id + ".yaml"), logs.resolve(id + ".log")));
            if (host.equals(HOST)) {
                kinko(jar, "pki", "issue", "node", id, "--region", region, "--dir", pki.toString());
            } else { // the certificate names the address peers and clients dial
                kinko(jar, "pki", "issue", "node", id, "--region", region, "--host", host, "--dir", pki.toString());
            }
        }
        kinko(jar, "pki", "issue", "region", region, "--dir", pki.toString());
        Path keyFile = dir.resolve(region + ".key");
        kinko(jar, "keygen", keyFile.toString());
        Path rootTokenFile = dir.resolve(region + ".root-token");
        StringBuilder peers = new StringBuilder();
        for (Node n : nodes) {
            peers.append("  - id: ").append(n.id()).append('\n')
                    .append("    raft_address: ").append(n.raftAddress()).append('\n')
                    .append("    client_address: ").append(n.clientAddress()).append('\n');
        }
        for (Node n : nodes) {
            Path cert = pki.resolve("nodes").resolve(n.id() + ".crt");
            Path regionCert = pki.resolve("regions").resolve(region + ".crt");
            for (Path f : List.of(cert, regionCert, keyFile)) {
                if (!Files.exists(f)) {
                    throw new IOException("kinko pki/keygen made no " + f);
                }
            }
            String yaml = "# written by ops/bench (LocalRegion)\n"
                    + "node_id: " + n.id() + "\n"
                    + "region: " + region + "\n"
                    + "data_dir: " + n.dataDir() + "\n"
                    + "key_file: " + keyFile + "\n"
                    + "tls:\n"
                    + "  ca_file: " + pki.resolve("ca.crt") + "\n"
                    + "  cert_file: " + cert + "\n"
                    + "  key_file: " + pki.resolve("nodes").resolve(n.id() + ".key") + "\n"
                    + "  region_cert_file: " + regionCert + "\n"
                    + "  region_key_file: " + pki.resolve("regions").resolve(region + ".key") + "\n"
                    + "  client_auth: optional\n"
                    + "root_token_file: " + rootTokenFile + "\n"
                    + "listen_host: " + n.host() + "\n"
                    + "client_port: " + n.clientPort() + "\n"
                    + "metrics_port: " + n.metricsPort() + "\n"
                    + "peers:\n" + peers;
            Files.writeString(n.config(), yaml);
        }
        return new LocalRegion(region, jar, pki.resolve("ca.crt"), rootTokenFile, pidFile, nodes, placement);
    }

    /** Runs one kinko command from the jar (a short-lived JVM) and returns its output; fails on a non-zero exit. */
    public static String kinko(Path jar, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(java(), "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("kinko " + String.join(" ", args) + " failed: " + out.strip());
        }
        return out;
    }

    public static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** {@code count} distinct free loopback ports (each held until all are found, so none repeats). */
    static int[] freePorts(int count) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName(HOST));
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

    public String name() {
        return name;
    }

    public List<Node> nodes() {
        return nodes;
    }

    public List<String> addresses() {
        return nodes.stream().map(Node::clientAddress).toList();
    }

    // --- processes -----------------------------------------------------------------------

    public void startAll() throws IOException {
        for (Node n : nodes) {
            start(n);
        }
    }

    /** Other node JVM flags than {@link #NODE_JVM_FLAGS} and the archive, to compare flags (ops/robustness/startup). */
    void nodeJvmFlags(List<String> flags) {
        this.nodeJvmFlags = List.copyOf(flags);
    }

    List<String> nodeJvmFlags() {
        return nodeJvmFlags;
    }

    /** Starts the node's process (its data directory as it is). */
    public void start(Node n) throws IOException {
        Placement where = placement.apply(n.id());
        List<String> command = new ArrayList<>(where.commandPrefix());
        command.add(java());
        command.addAll(nodeJvmFlags);
        command.addAll(List.of("-jar", jar.toString(), "server", "--config", n.config().toString()));
        Files.writeString(n.log(), "---- " + LocalTime.now() + " start: " + String.join(" ", command) + "\n",
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(where.env());
        Process p = pb.redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(n.log().toFile())).start();
        processes.put(n.id(), p);
        Files.writeString(pidFile, p.pid() + " " + n.id() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        p.onExit().thenAccept(exited -> {
            if (!expectedExits.remove(exited.pid())) {
                unexpectedExits.add(n.id() + " (pid " + exited.pid() + ") exited with code " + exited.exitValue()
                        + " at " + LocalTime.now().withNano(0) + "; see " + n.log());
            }
        });
        ManagedChannel c = channels.get(n.id());
        if (c != null) {
            c.resetConnectBackoff(); // reconnect now, not after the channel's back-off
        }
    }

    /** kill -9: the process ends at once, without closing Raft or RocksDB. */
    public void kill9(Node n) throws InterruptedException {
        Process p = processes.remove(n.id());
        if (p != null) {
            expectedExits.add(p.pid());
            p.destroyForcibly(); // SIGKILL
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** SIGTERM, as systemd stops a node (Raft and RocksDB closed); SIGKILL after a minute. */
    public void stop(Node n) throws InterruptedException {
        Process p = processes.remove(n.id());
        if (p != null) {
            expectedExits.add(p.pid());
            p.destroy();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /** Deletes the node's data directory (the node must be stopped). */
    public void wipe(Node n) throws IOException {
        if (!Files.exists(n.dataDir())) {
            return;
        }
        try (Stream<Path> files = Files.walk(n.dataDir())) {
            for (Path f : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(f);
            }
        }
    }

    public boolean alive(Node n) {
        Process p = processes.get(n.id());
        return p != null && p.isAlive();
    }

    public List<Node> running() {
        return nodes.stream().filter(this::alive).toList();
    }

    public OptionalLong pid(Node n) {
        Process p = processes.get(n.id());
        return p == null || !p.isAlive() ? OptionalLong.empty() : OptionalLong.of(p.pid());
    }

    /** Node exits nobody asked for (a crash, an OutOfMemoryError that ended the JVM). */
    public List<String> unexpectedExits() {
        return unexpectedExits;
    }

    /** Lines of the node's log that contain {@code text}. */
    public long countInLog(Node n, String text) {
        try (Stream<String> lines = Files.lines(n.log(), StandardCharsets.ISO_8859_1)) {
            return lines.filter(l -> l.contains(text)).count();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    /**
     * Waits until the first leader wrote the root token file and every node answers
     * GetClusterStatus with it (a leader, no member unreachable).
     */
    public void awaitReady(Duration within) throws Exception {
        long end = System.nanoTime() + within.toNanos();
        while (!Files.exists(rootTokenFile) || Files.readString(rootTokenFile).isBlank()) {
            checkStarting(end, "no root token in " + rootTokenFile);
            Thread.sleep(200);
        }
        headers = BenchChannels.bearer(Files.readString(rootTokenFile, StandardCharsets.US_ASCII).strip());
        String last = "no answer";
        while (true) {
            for (Node n : running()) {
                try {
                    GetClusterStatusResponse s = admin(n).withDeadlineAfter(5, TimeUnit.SECONDS)
                            .getClusterStatus(GetClusterStatusRequest.getDefaultInstance());
                    if (!s.getLeaderId().isEmpty() && s.getNodesCount() == nodes.size()
                            && s.getNodesList().stream().noneMatch(x -> x.getRole() == MemberRole.MEMBER_ROLE_UNREACHABLE)) {
                        return;
                    }
                    last = "leader '" + s.getLeaderId() + "', nodes " + s.getNodesList().stream()
                            .map(x -> x.getNodeId() + "=" + x.getRole()).toList();
                } catch (StatusRuntimeException e) {
                    last = n.id() + ": " + e.getStatus();
                }
            }
            checkStarting(end, last);
            Thread.sleep(250);
        }
    }

    private void checkStarting(long end, String state) {
        if (!unexpectedExits.isEmpty()) {
            throw new IllegalStateException("region " + name + ": " + unexpectedExits.get(0));
        }
        if (System.nanoTime() > end) {
            throw new IllegalStateException("region " + name + " not ready in time: " + state);
        }
    }

    // --- talking to it -------------------------------------------------------------------

    /** The region's root token (after {@link #awaitReady}). */
    public String rootToken() throws IOException {
        return Files.readString(rootTokenFile, StandardCharsets.US_ASCII).strip();
    }

    public Path caCert() {
        return ca;
    }

    public Metadata headers() {
        return headers;
    }

    public ManagedChannel channel(Node n) {
        return channels.computeIfAbsent(n.id(), id -> Grpc.newChannelBuilder(n.clientAddress(), tls).build());
    }

    public SecretsServiceGrpc.SecretsServiceBlockingStub secrets(Node n) {
        return BenchChannels.with(SecretsServiceGrpc.newBlockingStub(channel(n)), headers);
    }

    public AdminServiceGrpc.AdminServiceBlockingStub admin(Node n) {
        return BenchChannels.with(AdminServiceGrpc.newBlockingStub(channel(n)), headers);
    }

    /** The running node that says it leads (the highest term if two do), from /metrics. */
    public Optional<Node> leader() {
        Node best = null;
        double bestTerm = -1;
        for (Node n : running()) {
            List<Sample> m = scrape(n);
            if (value(m, "kinko_raft_leader").orElse(0) == 1) {
                double term = value(m, "kinko_raft_term").orElse(0);
                if (term > bestTerm) {
                    best = n;
                    bestTerm = term;
                }
            }
        }
        return Optional.ofNullable(best);
    }

    public Node awaitLeader(Deadline deadline) throws InterruptedException {
        while (true) {
            Optional<Node> l = leader();
            if (l.isPresent()) {
                return l.get();
            }
            deadline.check("waiting for a leader of " + name);
            Thread.sleep(100);
        }
    }

    public OptionalLong appliedIndex(Node n) {
        OptionalDouble v = value(scrape(n), "kinko_raft_applied_index");
        return v.isPresent() ? OptionalLong.of((long) v.getAsDouble()) : OptionalLong.empty();
    }

    /** The node's /metrics, or nothing when it does not answer within 3 s. */
    public List<Sample> scrape(Node n) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + n.host() + ":" + n.metricsPort()
                    + "/metrics")).timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return List.of();
            }
            List<Sample> out = new ArrayList<>();
            for (String line : r.body().split("\n")) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int brace = line.indexOf('{');
                int space = brace < 0 ? line.indexOf(' ') : line.indexOf(' ', line.indexOf('}'));
                if (space < 0) {
                    continue;
                }
                String metric = brace < 0 || brace > space ? line.substring(0, space) : line.substring(0, brace);
                String labels = brace < 0 || brace > space ? "" : line.substring(brace, line.indexOf('}') + 1);
                String[] rest = line.substring(space + 1).trim().split(" ");
                try {
                    out.add(new Sample(metric, labels, Double.parseDouble(rest[0])));
                } catch (NumberFormatException ignored) {
                    // not a number: skip
                }
            }
            return out;
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    public static OptionalDouble value(List<Sample> samples, String metric) {
        return samples.stream().filter(s -> s.name().equals(metric)).mapToDouble(Sample::value).findFirst();
    }

    /** The sum over the samples of {@code metric} whose labels contain {@code labelPart}; empty when none. */
    public static OptionalDouble sum(List<Sample> samples, String metric, String labelPart) {
        List<Sample> hits = samples.stream().filter(s -> s.name().equals(metric) && s.labels().contains(labelPart)).toList();
        return hits.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(hits.stream().mapToDouble(Sample::value).sum());
    }

    public static OptionalDouble max(List<Sample> samples, String metric) {
        return samples.stream().filter(s -> s.name().equals(metric)).mapToDouble(Sample::value).max();
    }

    /** VmRSS of the node's process, in bytes. */
    public OptionalLong rssBytes(Node n) {
        OptionalLong pid = pid(n);
        return pid.isEmpty() ? OptionalLong.empty() : rssBytes(pid.getAsLong());
    }

    /** VmRSS of process {@code pid}, in bytes; empty once it exited. */
    static OptionalLong rssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return OptionalLong.of(Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024);
                }
            }
        } catch (IOException | RuntimeException gone) {
            // exited meanwhile
        }
        return OptionalLong.empty();
    }

    /** Heap in use: jvm_memory_used_bytes{area="heap"} from /metrics when the node has it, else its hsperfdata. */
    public Optional<Heap> heap(Node n) {
        OptionalDouble fromMetrics = sum(scrape(n), "jvm_memory_used_bytes", "area=\"heap\"");
        if (fromMetrics.isPresent()) {
            return Optional.of(new Heap((long) fromMetrics.getAsDouble(), "metrics"));
        }
        OptionalLong pid = pid(n);
        if (pid.isEmpty()) {
            return Optional.empty();
        }
        OptionalLong perf = PerfData.heapUsed(pid.getAsLong());
        return perf.isPresent() ? Optional.of(new Heap(perf.getAsLong(), "hsperfdata")) : Optional.empty();
    }

    public record Heap(long bytes, String source) {}

    /** Kills every node (the data is thrown away after a bench) and closes the channels. */
    @Override
    public void close() {
        for (Node n : nodes) {
            Process p = processes.remove(n.id());
            if (p != null) {
                expectedExits.add(p.pid());
                p.destroyForcibly();
            }
        }
        channels.values().forEach(ManagedChannel::shutdownNow);
    }
}
