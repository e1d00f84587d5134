package dev.kinko.robustness;

import dev.kinko.client.KinkoClient;
import dev.kinko.client.KinkoException;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.GetSecretValueResponse;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.robustness.history.Op;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The clients: writers that put unique values ("c3-17") into random secrets through tokyo, readers
 * that read them linearizably in tokyo (the primary region), and replica readers in osaka (checked
 * only for convergence, not linearizability). Every call is one {@link Op}, through the real Java
 * client with both regions, the deployment CA and the root token.
 */
final class Workload implements AutoCloseable {
    /** The setup client's id in the history (the secrets' first values). */
    static final int SETUP_CLIENT = 1000;
    /**
     * Errors of a write that every attempt would get the same way (a malformed request), so the write
     * surely did not apply. Nothing else: the client retries, and an earlier attempt may have applied
     * before a later one failed otherwise (seen: a write that applied in tokyo came back
     * UNAUTHENTICATED from the retry's primary-region lookup in osaka).
     */
    static final Set<Status.Code> DEFINITE = Set.of(Status.Code.INVALID_ARGUMENT);

    final List<String> keys = new ArrayList<>();
    final Queue<Op> history = new ConcurrentLinkedQueue<>(); // tokyo: writes and linearizable reads
    final Queue<Op> replicaReads = new ConcurrentLinkedQueue<>(); // osaka
    private final KinkoClient client;
    private final int writers;
    private final int readers;
    private final int replicaReaders;
    private final AtomicBoolean stop = new AtomicBoolean();
    /** When the latest acknowledged write completed (System.nanoTime), 0 before any. */
    final java.util.concurrent.atomic.AtomicLong lastAck = new java.util.concurrent.atomic.AtomicLong();
    private final List<Thread> threads = new ArrayList<>();

    Workload(KinkoClient client, int secrets, int writers, int readers, int replicaReaders) {
        this.client = client;
        this.writers = writers;
        this.readers = readers;
        this.replicaReaders = replicaReaders;
        for (int i = 0; i < secrets; i++) {
            keys.add(String.format("robustness/s%02d", i));
        }
    }

    /** Creates every secret in tokyo with a replica in osaka; each first value is an OK write of the setup client. */
    void createSecrets(Consumer<String> log) {
        for (String k : keys) {
            String v = "init-" + k;
            for (int attempt = 1; ; attempt++) {
                long t0 = System.nanoTime();
                try {
                    client.createSecret(CreateSecretRequest.newBuilder().setName(k).setSecretString(v)
                            .addAddReplicaRegions("osaka").build());
                    history.add(new Op(SETUP_CLIENT, k, Op.Kind.WRITE, v, t0, System.nanoTime(), Op.Outcome.OK, ""));
                    break;
                } catch (RuntimeException e) {
                    if (attempt >= 5) {
                        throw e;
                    }
                    log.accept("creating " + k + ": " + reason(e) + ", again");
                }
            }
        }
    }

    void start() {
        int id = 0;
        for (int i = 0; i < writers; i++) {
            int c = id++;
            threads.add(daemon("writer-" + c, () -> writeLoop(c)));
        }
        for (int i = 0; i < readers; i++) {
            int c = id++;
            threads.add(daemon("reader-" + c, () -> readLoop(c, "tokyo", history)));
        }
        for (int i = 0; i < replicaReaders; i++) {
            int c = id++;
            threads.add(daemon("osaka-reader-" + c, () -> readLoop(c, "osaka", replicaReads)));
        }
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void writeLoop(int c) {
        long seq = 0;
        while (!stop.get()) {
            String k = keys.get(ThreadLocalRandom.current().nextInt(keys.size()));
            String v = "c" + c + "-" + seq++;
            long t0 = System.nanoTime();
            try {
                client.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(k).setSecretString(v).build());
                long done = System.nanoTime();
                history.add(new Op(c, k, Op.Kind.WRITE, v, t0, done, Op.Outcome.OK, ""));
                lastAck.accumulateAndGet(done, Math::max);
            } catch (RuntimeException e) {
                Op.Outcome o = DEFINITE.contains(code(e)) ? Op.Outcome.FAILED : Op.Outcome.UNKNOWN;
                history.add(new Op(c, k, Op.Kind.WRITE, v, t0, System.nanoTime(), o, reason(e)));
            }
            pause();
        }
    }

    private void readLoop(int c, String region, Queue<Op> into) {
        while (!stop.get()) {
            String k = keys.get(ThreadLocalRandom.current().nextInt(keys.size()));
            long t0 = System.nanoTime();
            try {
                String v = read(region, k);
                into.add(new Op(c, k, Op.Kind.READ, v, t0, System.nanoTime(), Op.Outcome.OK, ""));
            } catch (RuntimeException e) {
                into.add(new Op(c, k, Op.Kind.READ, null, t0, System.nanoTime(), Op.Outcome.FAILED, reason(e)));
            }
            pause();
        }
    }

    /** A linearizable read (the default consistency) in one region, with the client's node retries. */
    String read(String region, String key) {
        GetSecretValueResponse r = client.secrets(region, s -> s.getSecretValue(
                GetSecretValueRequest.newBuilder().setSecretId(key).build()));
        return r.getSecretString();
    }

    /** Every secret's value in one region, read after the clients stopped; a key that fails is left out. */
    Map<String, String> snapshot(String region) {
        Map<String, String> out = new TreeMap<>();
        for (String k : keys) {
            try {
                out.put(k, read(region, k));
            } catch (RuntimeException e) {
                // left out: the caller retries
            }
        }
        return out;
    }

    private static void pause() {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextInt(5, 25));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Status.Code code(Throwable e) {
        if (e instanceof KinkoException k) {
            return k.code();
        }
        if (e instanceof StatusRuntimeException s) {
            return s.getStatus().getCode();
        }
        return Status.Code.UNKNOWN;
    }

    /**
     * The ErrorInfo reason (KinkoException), else the gRPC code's name, else the exception's class. An
     * UNAVAILABLE without ErrorInfo that this process's gRPC made itself (its status has a local cause:
     * connection refused, connection closed) is {@link #TRANSPORT}: the client reached no node, which
     * a server's UNAVAILABLE without ErrorInfo (issue 10's leaked forwarding error) is not.
     */
    static String reason(Throwable e) {
        String r = rawReason(e);
        if (r.equals("UNAVAILABLE")) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof StatusRuntimeException s && s.getStatus().getCause() != null) {
                    return TRANSPORT;
                }
            }
        }
        return r;
    }

    /** The reason of an UNAVAILABLE the client's own transport made (no node reachable). */
    static final String TRANSPORT = "UNAVAILABLE(client transport)";

    private static String rawReason(Throwable e) {
        if (e instanceof KinkoException k && k.reason() != null && !k.reason().isEmpty()) {
            return k.reason();
        }
        if (e instanceof StatusRuntimeException s) {
            return s.getStatus().getCode().name();
        }
        return e.getClass().getSimpleName();
    }

    /** Stops the clients and waits for their last ops (each ends within the client's retries). */
    void stop() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join(120_000);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
