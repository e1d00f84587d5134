package dev.kinko.bench;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.AuthEnableRequest;
import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.AuthRoleAddRequest;
import io.etcd.jetcd.api.AuthUserAddRequest;
import io.etcd.jetcd.api.AuthUserGrantRoleRequest;
import io.etcd.jetcd.api.AuthenticateRequest;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A 3-member etcd 3.4 cluster (Debian's {@code etcd-server}) as separate processes on loopback:
 * with its defaults (plaintext, no authentication), or secured (TLS on the client ports, mutual TLS
 * between members, authentication on and every call carrying root's token). Members are found,
 * killed and restarted by index.
 */
final class EtcdCluster implements AutoCloseable {
    static final Path ETCD = Path.of("/usr/bin/etcd");
    static final Path ETCDCTL = Path.of("/usr/bin/etcdctl");
    private static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);

    /**
     * TLS material of a secured cluster: the CA and, for member {@code i}, {@code certs/<name><i>.crt}
     * and {@code .key} (serving clients and peers, and presented to peers as a client).
     */
    record Tls(Path ca, Path certs) {}

    private final String name;
    private final Path dir;
    private final Tls tls;
    private volatile String token; // root's, once authentication is on
    private final int[] clientPorts;
    private final int[] peerPorts;
    private final Process[] processes;
    private final ManagedChannel[] channels;

    private EtcdCluster(String name, Path dir, int size, Tls tls) throws IOException {
        this.name = name;
        this.dir = dir;
        this.tls = tls;
        this.clientPorts = new int[size];
        this.peerPorts = new int[size];
        this.processes = new Process[size];
        this.channels = new ManagedChannel[size];
        int[] ports = LocalRegion.freePorts(2 * size);
        for (int i = 0; i < size; i++) {
            clientPorts[i] = ports[2 * i];
            peerPorts[i] = ports[2 * i + 1];
        }
    }

    static boolean available() {
        return Files.isExecutable(ETCD) && Files.isExecutable(ETCDCTL);
    }

    /** Starts {@code size} members named {@code name0..} with data and logs under {@code dir}, with etcd's defaults. */
    static EtcdCluster start(String name, Path dir, int size) throws IOException {
        return start(name, dir, size, null);
    }

    /** As {@link #start(String, Path, int)}, with TLS on every port when {@code tls} is given. */
    static EtcdCluster start(String name, Path dir, int size, Tls tls) throws IOException {
        Files.createDirectories(dir);
        EtcdCluster c = new EtcdCluster(name, dir, size, tls);
        for (int i = 0; i < size; i++) {
            c.start(i);
        }
        return c;
    }

    boolean secured() {
        return tls != null;
    }

    /** The URL scheme of the client and peer ports. */
    private String scheme() {
        return secured() ? "https" : "http";
    }

    /**
     * Turns authentication on (root user and role, through member {@code i}) and logs root in: from
     * then on every channel sends root's simple token, which etcd checks on each call.
     */
    void enableAuthentication(int i, String password) {
        AuthGrpc.AuthBlockingStub auth = AuthGrpc.newBlockingStub(channel(i)).withDeadlineAfter(10, TimeUnit.SECONDS);
        auth.roleAdd(AuthRoleAddRequest.newBuilder().setName("root").build());
        auth.userAdd(AuthUserAddRequest.newBuilder().setName("root").setPassword(password).build());
        auth.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
        auth.authEnable(AuthEnableRequest.getDefaultInstance());
        try { // the channel has no token yet: etcd must refuse it now
            KVGrpc.newBlockingStub(channel(i)).withDeadlineAfter(10, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("bench/no-token")).build());
            throw new IllegalStateException("etcd accepted a write without a token after enabling authentication");
        } catch (StatusRuntimeException refused) {
            // as it should
        }
        logIn(i, password);
    }

    /** Logs root in again through member {@code i} (a restarted member no longer knows simple tokens). */
    synchronized void logIn(int i, String password) {
        token = AuthGrpc.newBlockingStub(channel(i)).withDeadlineAfter(10, TimeUnit.SECONDS)
                .authenticate(AuthenticateRequest.newBuilder().setName("root").setPassword(password).build()).getToken();
        for (int m = 0; m < channels.length; m++) { // rebuilt with the token on their next use
            if (channels[m] != null) {
                channels[m].shutdown();
                channels[m] = null;
            }
        }
    }

    int size() {
        return processes.length;
    }

    /** Starts member {@code i} (again, after a kill: its data dir makes it rejoin). */
    void start(int i) throws IOException {
        String scheme = scheme();
        StringBuilder initial = new StringBuilder();
        for (int m = 0; m < size(); m++) {
            initial.append(m == 0 ? "" : ",").append(name).append(m).append("=").append(scheme).append("://127.0.0.1:")
                    .append(peerPorts[m]);
        }
        List<String> command = new ArrayList<>(List.of(ETCD.toString(), "--name", name + i, "--data-dir", dataDir(i).toString(),
                "--listen-client-urls", scheme + "://127.0.0.1:" + clientPorts[i],
                "--advertise-client-urls", scheme + "://127.0.0.1:" + clientPorts[i],
                "--listen-peer-urls", scheme + "://127.0.0.1:" + peerPorts[i],
                "--initial-advertise-peer-urls", scheme + "://127.0.0.1:" + peerPorts[i],
                "--initial-cluster", initial.toString(), "--initial-cluster-state", "new",
                "--initial-cluster-token", "bench-" + name));
        if (secured()) {
            String cert = tls.certs().resolve(name + i + ".crt").toString();
            String key = tls.certs().resolve(name + i + ".key").toString();
            // no --trusted-ca-file for clients: with it etcd 3.4 requires client certificates (callers here are tokens)
            command.addAll(List.of("--cert-file", cert, "--key-file", key,
                    "--peer-cert-file", cert, "--peer-key-file", key, "--peer-trusted-ca-file", tls.ca().toString(),
                    "--peer-client-cert-auth", "--auth-token-ttl", "86400"));
        }
        processes[i] = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + i + ".log").toFile()))
                .start();
    }

    Path dataDir(int i) {
        return dir.resolve(name + i);
    }

    String endpoint(int i) {
        return scheme() + "://127.0.0.1:" + clientPorts[i];
    }

    /** The client endpoints, comma-separated, as etcdctl takes them. */
    String endpoints() {
        return java.util.stream.IntStream.range(0, size()).mapToObj(this::endpoint).collect(Collectors.joining(","));
    }

    synchronized ManagedChannel channel(int i) {
        if (channels[i] == null) {
            ChannelCredentials credentials;
            try {
                credentials = secured() ? BenchChannels.tlsTrusting(tls.ca()) : InsecureChannelCredentials.create();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            ManagedChannelBuilder<?> b = Grpc.newChannelBuilder("127.0.0.1:" + clientPorts[i], credentials);
            if (token != null) {
                Metadata headers = new Metadata();
                headers.put(TOKEN, token);
                b.intercept(MetadataUtils.newAttachHeadersInterceptor(headers));
            }
            channels[i] = b.build();
        }
        return channels[i];
    }

    long pid(int i) {
        return processes[i].pid();
    }

    boolean alive(int i) {
        return processes[i] != null && processes[i].isAlive();
    }

    /** The member that says it leads, asked of each running member in turn. */
    OptionalInt leader() {
        for (int i = 0; i < size(); i++) {
            if (!alive(i)) {
                continue;
            }
            try {
                StatusResponse s = MaintenanceGrpc.newBlockingStub(channel(i)).withDeadlineAfter(2, TimeUnit.SECONDS)
                        .status(StatusRequest.getDefaultInstance());
                if (s.getLeader() != 0 && s.getLeader() == s.getHeader().getMemberId()) {
                    return OptionalInt.of(i);
                }
            } catch (StatusRuntimeException notYet) {
                // starting, or gone
            }
        }
        return OptionalInt.empty();
    }

    void kill9(int i) throws InterruptedException {
        processes[i].destroyForcibly();
        processes[i].waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        for (ManagedChannel c : channels) {
            if (c != null) {
                c.shutdownNow();
            }
        }
        List<Process> running = new ArrayList<>();
        for (Process p : processes) {
            if (p != null) {
                p.destroy();
                running.add(p);
            }
        }
        for (Process p : running) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
    }
}
