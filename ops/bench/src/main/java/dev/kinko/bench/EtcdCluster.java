package dev.kinko.bench;

import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A 3-member etcd 3.4 cluster (Debian's {@code etcd-server}) as separate processes on loopback,
 * with its defaults: plaintext, no authentication. Members are found, killed and restarted by index.
 */
final class EtcdCluster implements AutoCloseable {
    static final Path ETCD = Path.of("/usr/bin/etcd");
    static final Path ETCDCTL = Path.of("/usr/bin/etcdctl");

    private final String name;
    private final Path dir;
    private final int[] clientPorts;
    private final int[] peerPorts;
    private final Process[] processes;
    private final ManagedChannel[] channels;

    private EtcdCluster(String name, Path dir, int size) throws IOException {
        this.name = name;
        this.dir = dir;
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

    /** Starts {@code size} members named {@code name0..} with data and logs under {@code dir}. */
    static EtcdCluster start(String name, Path dir, int size) throws IOException {
        Files.createDirectories(dir);
        EtcdCluster c = new EtcdCluster(name, dir, size);
        for (int i = 0; i < size; i++) {
            c.start(i);
        }
        return c;
    }

    int size() {
        return processes.length;
    }

    /** Starts member {@code i} (again, after a kill: its data dir makes it rejoin). */
    void start(int i) throws IOException {
        StringBuilder initial = new StringBuilder();
        for (int m = 0; m < size(); m++) {
            initial.append(m == 0 ? "" : ",").append(name).append(m).append("=http://127.0.0.1:").append(peerPorts[m]);
        }
        processes[i] = new ProcessBuilder(ETCD.toString(), "--name", name + i, "--data-dir", dataDir(i).toString(),
                "--listen-client-urls", "http://127.0.0.1:" + clientPorts[i],
                "--advertise-client-urls", "http://127.0.0.1:" + clientPorts[i],
                "--listen-peer-urls", "http://127.0.0.1:" + peerPorts[i],
                "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPorts[i],
                "--initial-cluster", initial.toString(), "--initial-cluster-state", "new",
                "--initial-cluster-token", "bench-" + name)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + i + ".log").toFile()))
                .start();
    }

    Path dataDir(int i) {
        return dir.resolve(name + i);
    }

    String endpoint(int i) {
        return "http://127.0.0.1:" + clientPorts[i];
    }

    /** The client endpoints, comma-separated, as etcdctl takes them. */
    String endpoints() {
        return java.util.stream.IntStream.range(0, size()).mapToObj(this::endpoint).collect(Collectors.joining(","));
    }

    synchronized ManagedChannel channel(int i) {
        if (channels[i] == null) {
            channels[i] = Grpc.newChannelBuilder("127.0.0.1:" + clientPorts[i], InsecureChannelCredentials.create()).build();
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
