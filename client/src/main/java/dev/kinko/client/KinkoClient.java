package dev.kinko.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import dev.kinko.proto.v1.AdminServiceGrpc;
import dev.kinko.proto.v1.AdminServiceGrpc.AdminServiceBlockingStub;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.CreateSecretResponse;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.PutSecretValueResponse;
import dev.kinko.proto.v1.SecretsServiceGrpc;
import dev.kinko.proto.v1.SecretsServiceGrpc.SecretsServiceBlockingStub;
import dev.kinko.proto.v1.UpdateSecretRequest;
import dev.kinko.proto.v1.UpdateSecretResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A client of one Kinko region. It tries the region's nodes in turn, retries
 * with exponential backoff and jitter when a node is down or the region is
 * between leaders, and gives every write a client request token so a retry
 * is idempotent.
 */
public final class KinkoClient implements AutoCloseable {
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_ATTEMPTS = 8;
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(50);
    public static final Duration MAX_BACKOFF = Duration.ofSeconds(2);
    private static final Set<Status.Code> RETRYABLE = Set.of(Status.Code.UNAVAILABLE, Status.Code.ABORTED);

    private final List<ManagedChannel> channels;
    private final Duration deadline;
    private final int maxAttempts;
    private final Duration initialBackoff;
    private int preferred;

    private KinkoClient(Builder b) {
        this.channels = new ArrayList<>();
        for (String address : b.addresses) {
            channels.add(Grpc.newChannelBuilder(address, InsecureChannelCredentials.create()).build());
        }
        this.deadline = b.deadline;
        this.maxAttempts = b.maxAttempts;
        this.initialBackoff = b.initialBackoff;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private final List<String> addresses = new ArrayList<>();
        private Duration deadline = DEFAULT_DEADLINE;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;

        /** The region's node addresses, host:port. */
        public Builder addresses(List<String> addresses) {
            this.addresses.addAll(addresses);
            return this;
        }

        /** Comma-separated host:port list, as in {@code KINKO_ADDR}. */
        public Builder addresses(String commaSeparated) {
            for (String a : commaSeparated.split(",")) {
                if (!a.isBlank()) {
                    addresses.add(a.trim());
                }
            }
            return this;
        }

        /** Deadline of each attempt. */
        public Builder deadline(Duration deadline) {
            this.deadline = deadline;
            return this;
        }

        public Builder retry(int maxAttempts, Duration initialBackoff) {
            this.maxAttempts = maxAttempts;
            this.initialBackoff = initialBackoff;
            return this;
        }

        public KinkoClient build() {
            if (addresses.isEmpty()) {
                throw new IllegalArgumentException("no node address given: pass host:port[,host:port...]");
            }
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1");
            }
            return new KinkoClient(this);
        }
    }

    /** Runs a SecretsService call with failover and retries. */
    public <T> T secrets(Function<SecretsServiceBlockingStub, T> call) {
        return withRetries(ch -> call.apply(SecretsServiceGrpc.newBlockingStub(ch)
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)));
    }

    /** Runs an AdminService call with failover and retries. */
    public <T> T admin(Function<AdminServiceBlockingStub, T> call) {
        return withRetries(ch -> call.apply(AdminServiceGrpc.newBlockingStub(ch)
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)));
    }

    public CreateSecretResponse createSecret(CreateSecretRequest request) {
        CreateSecretRequest withToken = request.getClientRequestToken().isEmpty()
                ? request.toBuilder().setClientRequestToken(newToken()).build() : request;
        return secrets(s -> s.createSecret(withToken));
    }

    public PutSecretValueResponse putSecretValue(PutSecretValueRequest request) {
        PutSecretValueRequest withToken = request.getClientRequestToken().isEmpty()
                ? request.toBuilder().setClientRequestToken(newToken()).build() : request;
        return secrets(s -> s.putSecretValue(withToken));
    }

    public UpdateSecretResponse updateSecret(UpdateSecretRequest request) {
        UpdateSecretRequest withToken = request.getClientRequestToken().isEmpty()
                ? request.toBuilder().setClientRequestToken(newToken()).build() : request;
        return secrets(s -> s.updateSecret(withToken));
    }

    /** A fresh client request token: the version id of the value it writes. */
    public static String newToken() {
        return UUID.randomUUID().toString();
    }

    private synchronized int preferred() {
        return preferred;
    }

    private synchronized void moveOn(int failed) {
        if (preferred == failed) {
            preferred = (failed + 1) % channels.size();
        }
    }

    private <T> T withRetries(Function<ManagedChannel, T> call) {
        long backoff = initialBackoff.toMillis();
        for (int attempt = 1; ; attempt++) {
            int node = preferred();
            try {
                return call.apply(channels.get(node));
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                boolean retryable = RETRYABLE.contains(code);
                if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
                    moveOn(node);
                }
                if (!retryable || attempt >= maxAttempts) {
                    throw translate(e);
                }
            }
            sleep(ThreadLocalRandom.current().nextLong(backoff / 2, backoff + 1));
            backoff = Math.min(backoff * 2, MAX_BACKOFF.toMillis());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KinkoException("INTERRUPTED", Status.Code.CANCELLED, "interrupted while retrying", e);
        }
    }

    static KinkoException translate(StatusRuntimeException e) {
        String reason = e.getStatus().getCode().name();
        com.google.rpc.Status status = StatusProto.fromThrowable(e);
        if (status != null) {
            for (Any detail : status.getDetailsList()) {
                if (detail.is(ErrorInfo.class)) {
                    try {
                        reason = detail.unpack(ErrorInfo.class).getReason();
                    } catch (InvalidProtocolBufferException ignored) {
                        // keep the status code name
                    }
                }
            }
        }
        String description = e.getStatus().getDescription();
        String message = description == null ? reason : description.startsWith(reason) ? description : reason + ": " + description;
        return new KinkoException(reason, e.getStatus().getCode(), message, e);
    }

    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdown);
        for (ManagedChannel c : channels) {
            try {
                if (!c.awaitTermination(2, TimeUnit.SECONDS)) {
                    c.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                c.shutdownNow();
            }
        }
    }
}
