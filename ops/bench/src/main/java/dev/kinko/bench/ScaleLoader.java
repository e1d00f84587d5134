package dev.kinko.bench;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.CreateSecretResponse;
import dev.kinko.proto.v1.SecretsServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.EnumSet;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.HdrHistogram.Recorder;

/**
 * Creates secrets {@code scale/00000000 ..} with random values as fast as a region takes them:
 * async CreateSecret calls, a fixed number in flight, each with a client_request_token and a
 * kinko-request-id (as the Java client sends), so a retried create is answered, not refused.
 * UNAVAILABLE, ABORTED, RESOURCE_EXHAUSTED and DEADLINE_EXCEEDED are retried with exponential
 * back-off (and UNAVAILABLE makes the caller look for the leader again); anything else is
 * counted by code with a few sample messages.
 */
final class ScaleLoader {
    static final Set<Status.Code> RETRYABLE = EnumSet.of(Status.Code.UNAVAILABLE, Status.Code.ABORTED,
            Status.Code.RESOURCE_EXHAUSTED, Status.Code.DEADLINE_EXCEEDED);
    static final int MAX_ATTEMPTS = 30;
    static final long CALL_DEADLINE_SECONDS = 30;
    static final Metadata.Key<String> REQUEST_ID = Metadata.Key.of("kinko-request-id", Metadata.ASCII_STRING_MARSHALLER);

    private final Supplier<ManagedChannel> target;
    private final Supplier<Metadata> auth;
    private final Runnable lookForLeader;
    private final int inFlight;
    private final int valueBytes;
    private final String nonce = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE).substring(0, 8);
    private final Semaphore permits;
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "scale-loader-retries");
        t.setDaemon(true);
        return t;
    });

    private final java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
    final LongAdder created = new LongAdder();
    final LongAdder existedOnRetry = new LongAdder();
    final LongAdder failed = new LongAdder();
    final Map<Status.Code, LongAdder> retriesByCode = new ConcurrentHashMap<>();
    final Map<Status.Code, LongAdder> errorsByCode = new ConcurrentHashMap<>();
    final Queue<String> errorSamples = new ConcurrentLinkedQueue<>();
    /** Microseconds from the first send of a create to its acknowledgement (retries included). */
    final Recorder latency = new Recorder(3_600_000_000L, 3);

    ScaleLoader(Supplier<ManagedChannel> target, Supplier<Metadata> auth, Runnable lookForLeader, int inFlight, int valueBytes) {
        this.target = target;
        this.auth = auth;
        this.lookForLeader = lookForLeader;
        this.inFlight = inFlight;
        this.valueBytes = valueBytes;
        this.permits = new Semaphore(inFlight);
    }

    static String name(long i) {
        return String.format("scale/%08d", i);
    }

    /** One past the highest secret index sent so far: the names below it were tried. */
    long sent() {
        return sent.get();
    }

    /** Calls sent and not answered yet (retries waiting included). */
    int inFlight() {
        return inFlight - permits.availablePermits();
    }

    long retries() {
        return retriesByCode.values().stream().mapToLong(LongAdder::sum).sum();
    }

    String retriesText() {
        return countsText(retriesByCode);
    }

    String errorsText() {
        return countsText(errorsByCode);
    }

    private static String countsText(Map<Status.Code, LongAdder> counts) {
        return counts.isEmpty() ? "none" : counts.entrySet().stream().map(e -> e.getKey() + " " + e.getValue().sum())
                .collect(Collectors.joining(", "));
    }

    /**
     * Creates secrets [from, to) and returns once every one was answered for good. Fails (the
     * calls still out finish on their own) when {@code deadline} passes or {@code stop} says so.
     */
    void load(long from, long to, Deadline deadline, BooleanSupplier stop) throws InterruptedException {
        for (long i = from; i < to; i++) {
            while (!permits.tryAcquire(1, TimeUnit.SECONDS)) {
                deadline.check("loading (secret " + i + ", " + inFlight() + " calls out)");
                if (stop.getAsBoolean()) {
                    throw new Deadline.Failed("stopped while loading secret " + i);
                }
            }
            if (deadline.passed() || stop.getAsBoolean()) {
                permits.release();
                deadline.check("loading (secret " + i + ")");
                throw new Deadline.Failed("stopped while loading secret " + i);
            }
            byte[] value = new byte[valueBytes];
            ThreadLocalRandom.current().nextBytes(value);
            sent.accumulateAndGet(i + 1, Math::max);
            send(i, ByteString.copyFrom(value), 0, System.nanoTime(), deadline);
        }
        while (!permits.tryAcquire(inFlight, 1, TimeUnit.SECONDS)) {
            deadline.check("waiting for the last " + inFlight() + " creates");
        }
        permits.release(inFlight);
    }

    private void send(long i, ByteString value, int attempt, long start, Deadline deadline) {
        Metadata headers = new Metadata();
        headers.merge(auth.get());
        headers.put(REQUEST_ID, nonce + "-" + i);
        CreateSecretRequest request = CreateSecretRequest.newBuilder().setName(name(i))
                .setClientRequestToken(nonce + "-" + String.format("%023d", i)).setSecretBinary(value).build();
        Futures.addCallback(BenchChannels.with(SecretsServiceGrpc.newFutureStub(target.get()), headers)
                .withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS).createSecret(request), new FutureCallback<>() {
                    @Override
                    public void onSuccess(CreateSecretResponse r) {
                        latency.recordValue(Math.min(3_600_000_000L, (System.nanoTime() - start) / 1_000));
                        created.increment();
                        permits.release();
                    }

                    @Override
                    public void onFailure(Throwable t) {
                        Status s = Status.fromThrowable(t);
                        if (RETRYABLE.contains(s.getCode()) && attempt + 1 < MAX_ATTEMPTS && !deadline.passed()) {
                            retriesByCode.computeIfAbsent(s.getCode(), c -> new LongAdder()).increment();
                            if (s.getCode() == Status.Code.UNAVAILABLE) {
                                lookForLeader.run();
                            }
                            long backoff = Math.min(2_000, 50L << Math.min(attempt, 6));
                            retries.schedule(() -> send(i, value, attempt + 1, start, deadline),
                                    backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1), TimeUnit.MILLISECONDS);
                            return;
                        }
                        if (s.getCode() == Status.Code.ALREADY_EXISTS && attempt > 0) {
                            existedOnRetry.increment(); // an earlier attempt made it
                            created.increment();
                        } else {
                            errorsByCode.computeIfAbsent(s.getCode(), c -> new LongAdder()).increment();
                            failed.increment();
                            if (errorSamples.size() < 5) {
                                errorSamples.add(name(i) + ": " + s.getCode() + " " + s.getDescription());
                            }
                        }
                        permits.release();
                    }
                }, MoreExecutors.directExecutor());
    }

    void close() {
        retries.shutdownNow();
    }
}
