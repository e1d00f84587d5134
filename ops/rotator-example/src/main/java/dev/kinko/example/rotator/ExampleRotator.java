package dev.kinko.example.rotator;

import dev.kinko.client.KinkoClient;
import dev.kinko.client.KinkoClientBuilder;
import dev.kinko.client.KinkoException;
import dev.kinko.proto.v1.ReceiveRotationJobsResponse;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An external rotator: secrets whose rotator is {@code external:NAME} are rotated by it. It holds
 * a job stream on every node of the primary region ({@link NodeSubscription}), does each step it
 * receives for a PostgreSQL user secret ({@link PostgresUserSteps}) and reports the outcome
 * ({@link StepReporter}). Values are read and written with the Kinko client, under the rotator's
 * own token and policy (see README.md).
 *
 * <pre>{@code
 * try (ExampleRotator rotator = new ExampleRotator(config, StepListener.NONE).start()) { ... }
 * }</pre>
 */
public final class ExampleRotator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExampleRotator.class);
    /** Steps run at once, for different secrets (one secret's steps run one at a time). */
    static final int WORKERS = 4;
    /** How long a report is retried; the region's step timeout should be longer. */
    static final Duration REPORT_PATIENCE = Duration.ofSeconds(30);

    private final RotatorConfig config;
    private final StepListener listener;
    private final KinkoClient kinko;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<NodeSubscription> subscriptions = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final ExecutorService workers;
    private final PostgresUserSteps steps;
    private final StepReporter reporter;
    /**
     * One lock per secret (a small object per secret ever rotated): a step sent again while its
     * first run is still going waits for it instead of racing it.
     */
    private final Map<String, Object> secretLocks = new ConcurrentHashMap<>();
    private final AtomicLong stepsHandled = new AtomicLong();
    private final CountDownLatch closed = new CountDownLatch(1);

    public ExampleRotator(RotatorConfig config, StepListener listener) {
        this.config = config;
        this.listener = listener;
        KinkoClientBuilder b = KinkoClient.builder().addresses(config.addresses()).token(config.token());
        if (config.caFile() != null) {
            b.tls(config.caFile());
        }
        this.kinko = b.build();
        ChannelCredentials tls = tls(config);
        for (String address : config.addresses()) {
            channels.add(Grpc.newChannelBuilder(address, tls).intercept(bearer(config.token())).build());
        }
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(WORKERS, r -> daemon(r, "rotator-step-" + n.incrementAndGet()));
        this.steps = new PostgresUserSteps(kinko);
        this.reporter = new StepReporter(channels, REPORT_PATIENCE);
    }

    /** Opens the job streams, one thread per node. */
    public synchronized ExampleRotator start() {
        if (!threads.isEmpty()) {
            throw new IllegalStateException("started already");
        }
        for (int i = 0; i < channels.size(); i++) {
            NodeSubscription s = new NodeSubscription(i, config.addresses().get(i), channels.get(i), config.name(),
                    this::dispatch);
            subscriptions.add(s);
            Thread t = daemon(s, "rotator-jobs-" + config.addresses().get(i));
            threads.add(t);
            t.start();
        }
        LOG.info("rotating secrets with rotator {} on {}", config.rotator(), config.addresses());
        return this;
    }

    /** Steps done and reported so far (whatever their outcome). */
    public long stepsHandled() {
        return stepsHandled.get();
    }

    private void dispatch(ReceiveRotationJobsResponse job, int node) {
        try {
            workers.execute(() -> handle(job, node));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing: the region sends the job again to whoever subscribes next
        }
    }

    private void handle(ReceiveRotationJobsResponse job, int node) {
        synchronized (secretLocks.computeIfAbsent(job.getSecretId(), id -> new Object())) {
            String error = run(job);
            try {
                boolean accepted = reporter.report(job, error, node);
                stepsHandled.incrementAndGet();
                LOG.info("secret {}: {} {} (attempt {}){}", job.getName(), stepName(job), error.isEmpty() ? "done"
                        : "failed: " + error, job.getAttempt(), accepted ? "" : "; the region had moved on");
                listener.stepHandled(job, error, accepted);
            } catch (StatusRuntimeException e) {
                LOG.warn("secret {}: {} not reported ({}); the region will send it again", job.getName(), stepName(job),
                        e.getStatus().getCode());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // closing
            }
        }
    }

    /** Runs the step; returns "" when it succeeded, else a message without any value in it. */
    private String run(ReceiveRotationJobsResponse job) {
        try {
            steps.run(job);
            return "";
        } catch (StepFailure e) {
            return e.getMessage();
        } catch (KinkoException e) {
            return stepName(job) + ": " + e.getMessage(); // the client's messages never carry a value
        } catch (RuntimeException e) {
            // an unexpected library's message might quote a value: only its kind is reported
            LOG.warn("secret {}: {} failed with {}", job.getName(), stepName(job), e.getClass().getName());
            return stepName(job) + " failed: " + e.getClass().getSimpleName();
        }
    }

    /** createSecret, setSecret, testSecret, finishSecret: AWS's names. */
    static String stepName(ReceiveRotationJobsResponse job) {
        return switch (job.getStep()) {
            case ROTATION_STEP_CREATE_SECRET -> "createSecret";
            case ROTATION_STEP_SET_SECRET -> "setSecret";
            case ROTATION_STEP_TEST_SECRET -> "testSecret";
            case ROTATION_STEP_FINISH_SECRET -> "finishSecret";
            default -> job.getStep().name();
        };
    }

    /** Blocks until {@link #close()}. */
    public void awaitClosed() throws InterruptedException {
        closed.await();
    }

    @Override
    public synchronized void close() {
        subscriptions.forEach(NodeSubscription::close);
        threads.forEach(Thread::interrupt);
        workers.shutdownNow();
        for (Thread t : threads) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        channels.forEach(ManagedChannel::shutdownNow);
        kinko.close();
        closed.countDown();
    }

    private static ChannelCredentials tls(RotatorConfig config) {
        TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
        if (config.caFile() != null) {
            try {
                b.trustManager(config.caFile().toFile());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the CA file " + config.caFile(), e);
            }
        }
        return b.build();
    }

    private static io.grpc.ClientInterceptor bearer(String token) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return MetadataUtils.newAttachHeadersInterceptor(headers);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    public static void main(String[] args) throws Exception {
        RotatorConfig config;
        try {
            config = RotatorConfig.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage() + "\n" + RotatorConfig.USAGE);
            System.exit(2);
            return;
        }
        ExampleRotator rotator = new ExampleRotator(config, StepListener.NONE);
        Runtime.getRuntime().addShutdownHook(new Thread(rotator::close, "rotator-shutdown"));
        rotator.start().awaitClosed();
    }
}
