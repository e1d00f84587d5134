package dev.kinko.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import dev.kinko.proto.v1.AdminServiceGrpc;
import dev.kinko.proto.v1.AdminServiceGrpc.AdminServiceBlockingStub;
import dev.kinko.proto.v1.BatchGetSecretValueRequest;
import dev.kinko.proto.v1.BatchGetSecretValueResponse;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.CreateSecretResponse;
import dev.kinko.proto.v1.DeleteSecretRequest;
import dev.kinko.proto.v1.DeleteSecretResponse;
import dev.kinko.proto.v1.DescribeSecretRequest;
import dev.kinko.proto.v1.DescribeSecretResponse;
import dev.kinko.proto.v1.GetRandomPasswordRequest;
import dev.kinko.proto.v1.GetRandomPasswordResponse;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.GetSecretValueResponse;
import dev.kinko.proto.v1.ListSecretVersionIdsRequest;
import dev.kinko.proto.v1.ListSecretVersionIdsResponse;
import dev.kinko.proto.v1.ListSecretsRequest;
import dev.kinko.proto.v1.ListSecretsResponse;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.PutSecretValueResponse;
import dev.kinko.proto.v1.RemoveRegionsFromReplicationRequest;
import dev.kinko.proto.v1.RemoveRegionsFromReplicationResponse;
import dev.kinko.proto.v1.ReplicateSecretToRegionsRequest;
import dev.kinko.proto.v1.ReplicateSecretToRegionsResponse;
import dev.kinko.proto.v1.RestoreSecretRequest;
import dev.kinko.proto.v1.RestoreSecretResponse;
import dev.kinko.proto.v1.SecretsServiceGrpc;
import dev.kinko.proto.v1.SecretsServiceGrpc.SecretsServiceBlockingStub;
import dev.kinko.proto.v1.StopReplicationToReplicaRequest;
import dev.kinko.proto.v1.StopReplicationToReplicaResponse;
import dev.kinko.proto.v1.TagResourceRequest;
import dev.kinko.proto.v1.TagResourceResponse;
import dev.kinko.proto.v1.UntagResourceRequest;
import dev.kinko.proto.v1.UntagResourceResponse;
import dev.kinko.proto.v1.UpdateSecretRequest;
import dev.kinko.proto.v1.UpdateSecretResponse;
import dev.kinko.proto.v1.UpdateSecretVersionStageRequest;
import dev.kinko.proto.v1.UpdateSecretVersionStageResponse;
import io.grpc.ClientInterceptor;
import io.grpc.Grpc;
import io.grpc.ChannelCredentials;
import java.nio.file.Path;
import io.grpc.ManagedChannel;
import io.grpc.stub.MetadataUtils;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A client of one or more Kinko regions.
 *
 * <p>Within a region it tries the region's nodes in turn, retries with exponential backoff and
 * jitter when a node is down or the region is between leaders, and gives every write a client
 * request token so a retry is idempotent.
 *
 * <p>With several regions ({@link Builder#region}, in order of preference):
 * <ul>
 *   <li>reads (get, batch get, describe, list, list versions, random password) go to the
 *       preferred region and fail over to the next one when a region is unreachable
 *       ({@code UNAVAILABLE} or {@code DEADLINE_EXCEEDED} after its node retries); a replica
 *       region serves reads;</li>
 *   <li>a region found unreachable rests for a cool-off ({@link Builder#regionCoolOff}): reads
 *       try it last, so they do not each pay its retries; then one read probes it, and if it
 *       answers it is preferred again. When every region rests, reads still try them all in
 *       order of preference;</li>
 *   <li>writes on an existing secret go to the secret's primary region, found with a describe
 *       in any reachable region and remembered per secret; when the primary region is
 *       unreachable the write fails with {@link PrimaryRegionUnavailableException};</li>
 *   <li>{@code CreateSecret} goes to the first region, which becomes the secret's primary;
 *       {@code StopReplicationToReplica} (called in a replica region) goes to the first region
 *       too.</li>
 * </ul>
 * With one region ({@link Builder#addresses}) every call goes to it, as before.
 */
public final class KinkoClient implements AutoCloseable {
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_ATTEMPTS = 8;
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(50);
    public static final Duration MAX_BACKOFF = Duration.ofSeconds(2);
    /** How long reads try an unreachable region last before one read probes it again. */
    public static final Duration DEFAULT_REGION_COOL_OFF = Duration.ofSeconds(10);
    /** How many secrets' primary regions the client remembers. */
    public static final int PRIMARY_REGION_CACHE_SIZE = 10_000;
    /** The header that carries a write's request id (the server's RequestIds). */
    static final Metadata.Key<String> REQUEST_ID = Metadata.Key.of("kinko-request-id", Metadata.ASCII_STRING_MARSHALLER);
    private static final Set<Status.Code> RETRYABLE = Set.of(Status.Code.UNAVAILABLE, Status.Code.ABORTED);
    private static final Set<Status.Code> UNREACHABLE = Set.of(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED);

    private final List<Region> regions;
    private final Duration deadline;
    private final int maxAttempts;
    private final Duration initialBackoff;
    private final RegionHealth health;
    private final Executor executor;
    private final ExecutorService ownedExecutor;
    /** Secret id as the caller gave it -> name of its primary region; LRU-bounded. */
    private final Map<String, String> primaries = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > PRIMARY_REGION_CACHE_SIZE;
        }
    };

    /** One region: its nodes' channels and the node tried first. */
    static final class Region {
        final String name;
        final List<ManagedChannel> channels = new ArrayList<>();
        private int preferred;

        Region(String name, List<String> addresses, ChannelCredentials credentials, List<ClientInterceptor> interceptors) {
            this.name = name;
            for (String address : addresses) {
                channels.add(Grpc.newChannelBuilder(address, credentials)
                        .intercept(interceptors).build());
            }
        }

        /** A region back from a rest is probed now, not when the channels' own reconnect backoff ends. */
        void reconnectNow() {
            channels.forEach(ManagedChannel::resetConnectBackoff);
        }

        synchronized int preferred() {
            return preferred;
        }

        synchronized void moveOn(int failed) {
            if (preferred == failed) {
                preferred = (failed + 1) % channels.size();
            }
        }

        String label() {
            return name == null ? "(unnamed)" : name;
        }
    }

    private KinkoClient(Builder b) {
        List<Region> rs = new ArrayList<>();
        ChannelCredentials tls = Credentials.tls(b.caCert, b.clientCert, b.clientKey);
        List<ClientInterceptor> interceptors = new ArrayList<>(b.interceptors);
        if (b.token != null) {
            interceptors.add(Credentials.bearer(b.token));
        }
        if (b.regions.isEmpty()) {
            rs.add(new Region(null, b.addresses, tls, interceptors));
        } else {
            b.regions.forEach((name, addresses) -> rs.add(new Region(name, addresses, tls, interceptors)));
        }
        this.regions = Collections.unmodifiableList(rs);
        this.deadline = b.deadline;
        this.maxAttempts = b.maxAttempts;
        this.initialBackoff = b.initialBackoff;
        this.health = new RegionHealth(b.regionCoolOff, b.clock);
        if (b.executor != null) {
            this.executor = b.executor;
            this.ownedExecutor = null;
        } else {
            AtomicInteger n = new AtomicInteger();
            this.ownedExecutor = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "kinko-client-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            this.executor = ownedExecutor;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private final List<String> addresses = new ArrayList<>();
        private final Map<String, List<String>> regions = new LinkedHashMap<>();
        private Duration deadline = DEFAULT_DEADLINE;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
        private Duration regionCoolOff = DEFAULT_REGION_COOL_OFF;
        private Clock clock = Clock.systemUTC();
        private Executor executor;
        private final List<ClientInterceptor> interceptors = new ArrayList<>();
        private String token;
        private Path caCert;
        private Path clientCert;
        private Path clientKey;

        /** The bearer token sent on every call ({@code kinko token create}); never logged. */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /** Trust the deployment CA in {@code caCert} (PEM) instead of the system's roots. */
        public Builder tls(Path caCert) {
            this.caCert = caCert;
            return this;
        }

        /** Trust {@code caCert} and present a client certificate as the caller's identity. */
        public Builder tls(Path caCert, Path clientCert, Path clientKey) {
            if (clientCert == null || clientKey == null) {
                throw new IllegalArgumentException("a client certificate needs both its certificate and its key");
            }
            this.caCert = caCert;
            this.clientCert = clientCert;
            this.clientKey = clientKey;
            return this;
        }

        /** The node addresses (host:port) of the one, unnamed region this client talks to. */
        public Builder addresses(List<String> addresses) {
            this.addresses.addAll(addresses);
            return this;
        }

        /** Comma-separated host:port list, as in {@code KINKO_ADDR}. */
        public Builder addresses(String commaSeparated) {
            addresses.addAll(split(commaSeparated));
            return this;
        }

        /**
         * A named region and its node addresses (host:port). Regions are preferred in the order
         * they are added: reads go to the first reachable one, new secrets to the first.
         */
        public Builder region(String name, List<String> addresses) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a region needs a name");
            }
            if (regions.containsKey(name)) {
                throw new IllegalArgumentException("region " + name + " given twice");
            }
            if (addresses.isEmpty()) {
                throw new IllegalArgumentException("region " + name + " has no node address");
            }
            regions.put(name, List.copyOf(addresses));
            return this;
        }

        /** A named region with a comma-separated host:port list. */
        public Builder region(String name, String commaSeparated) {
            return region(name, split(commaSeparated));
        }

        /** Deadline of each attempt. */
        public Builder deadline(Duration deadline) {
            this.deadline = deadline;
            return this;
        }

        /** Attempts per region (over its nodes) and the first backoff, doubled up to {@link #MAX_BACKOFF}. */
        public Builder retry(int maxAttempts, Duration initialBackoff) {
            this.maxAttempts = maxAttempts;
            this.initialBackoff = initialBackoff;
            return this;
        }

        /**
         * How long reads try a region last after it was found unreachable, before one read probes
         * it again ({@link #DEFAULT_REGION_COOL_OFF}); zero tries every region in order every time.
         */
        public Builder regionCoolOff(Duration coolOff) {
            this.regionCoolOff = coolOff;
            return this;
        }

        /** The clock that times region cool-offs. */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** Where the {@code ...Async} methods run their calls; by default a pool the client owns. */
        public Builder executor(Executor executor) {
            this.executor = executor;
            return this;
        }

        /** Interceptors on every channel (headers, metrics, ...). */
        public Builder interceptor(ClientInterceptor interceptor) {
            interceptors.add(interceptor);
            return this;
        }

        public KinkoClient build() {
            if (addresses.isEmpty() && regions.isEmpty()) {
                throw new IllegalArgumentException("no node address given: pass host:port[,host:port...]");
            }
            if (!addresses.isEmpty() && !regions.isEmpty()) {
                throw new IllegalArgumentException("give either addresses(...) for one region or region(...) for each region, not both");
            }
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1");
            }
            if (regionCoolOff == null || regionCoolOff.isNegative()) {
                throw new IllegalArgumentException("the region cool-off must be zero or positive");
            }
            if (clock == null) {
                throw new IllegalArgumentException("no clock given");
            }
            return new KinkoClient(this);
        }

        private static List<String> split(String commaSeparated) {
            List<String> out = new ArrayList<>();
            for (String a : commaSeparated.split(",")) {
                if (!a.isBlank()) {
                    out.add(a.trim());
                }
            }
            return out;
        }
    }

    /** The names of the configured regions in order of preference (one null for an unnamed region). */
    public List<String> regions() {
        List<String> names = new ArrayList<>();
        regions.forEach(r -> names.add(r.name));
        return names;
    }

    // ---- raw calls -------------------------------------------------------------------------

    /** Runs a SecretsService call with failover across the (first) region's nodes and retries. */
    public <T> T secrets(Function<SecretsServiceBlockingStub, T> call) {
        return translated(() -> inRegion(regions.get(0), call));
    }

    /** Runs a SecretsService call in the named region, with failover across its nodes and retries. */
    public <T> T secrets(String region, Function<SecretsServiceBlockingStub, T> call) {
        return translated(() -> inRegion(region(region), call));
    }

    /** Runs an AdminService call with failover across the (first) region's nodes and retries. */
    public <T> T admin(Function<AdminServiceBlockingStub, T> call) {
        return translated(() -> withRetries(regions.get(0), ch -> call.apply(AdminServiceGrpc.newBlockingStub(ch)
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS))));
    }

    /** Runs an AdminService call in the named region. */
    public <T> T admin(String region, Function<AdminServiceBlockingStub, T> call) {
        Region r = region(region);
        return translated(() -> withRetries(r, ch -> call.apply(AdminServiceGrpc.newBlockingStub(ch)
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS))));
    }

    /** Runs an AccessService call (policies, tokens, whoami) with failover across the (first) region's nodes. */
    public <T> T access(Function<dev.kinko.proto.v1.AccessServiceGrpc.AccessServiceBlockingStub, T> call) {
        return translated(() -> withRetries(regions.get(0), ch -> call.apply(dev.kinko.proto.v1.AccessServiceGrpc
                .newBlockingStub(ch).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS))));
    }

    // ---- SecretsService, sync --------------------------------------------------------------

    /** Creates the secret in the first region (its primary region); adds a client request token if absent. */
    public CreateSecretResponse createSecret(CreateSecretRequest request) {
        CreateSecretRequest withToken = request.getClientRequestToken().isEmpty()
                ? request.toBuilder().setClientRequestToken(newToken()).build() : request;
        Region first = regions.get(0);
        Function<SecretsServiceBlockingStub, CreateSecretResponse> create = once(s -> s.createSecret(withToken));
        if (!multiRegion()) {
            return secrets(create);
        }
        CreateSecretResponse created = inPrimary(first, withToken.getName(), create);
        remember(withToken.getName(), first.name);
        remember(created.getId(), first.name);
        return created;
    }

    public GetSecretValueResponse getSecretValue(GetSecretValueRequest request) {
        return read(s -> s.getSecretValue(request));
    }

    public BatchGetSecretValueResponse batchGetSecretValue(BatchGetSecretValueRequest request) {
        return read(s -> s.batchGetSecretValue(request));
    }

    /** Writes a new version in the secret's primary region; adds a client request token if absent. */
    public PutSecretValueResponse putSecretValue(PutSecretValueRequest request) {
        PutSecretValueRequest withToken = request.getClientRequestToken().isEmpty()
                ? request.toBuilder().setClientRequestToken(newToken()).build() : request;
        return write(withToken.getSecretId(), s -> s.putSecretValue(withToken));
    }

    /** Updates the secret in its primary region; adds a client request token if absent. */
    public UpdateSecretResponse updateSecret(UpdateSecretRequest request) {
        UpdateSecretRequest withToken = request.getClientRequestToken().isEmpty()
                ? request.toBuilder().setClientRequestToken(newToken()).build() : request;
        return write(withToken.getSecretId(), s -> s.updateSecret(withToken));
    }

    public DescribeSecretResponse describeSecret(DescribeSecretRequest request) {
        return read(s -> s.describeSecret(request));
    }

    public ListSecretsResponse listSecrets(ListSecretsRequest request) {
        return read(s -> s.listSecrets(request));
    }

    public ListSecretVersionIdsResponse listSecretVersionIds(ListSecretVersionIdsRequest request) {
        return read(s -> s.listSecretVersionIds(request));
    }

    public UpdateSecretVersionStageResponse updateSecretVersionStage(UpdateSecretVersionStageRequest request) {
        return write(request.getSecretId(), s -> s.updateSecretVersionStage(request));
    }

    public DeleteSecretResponse deleteSecret(DeleteSecretRequest request) {
        return write(request.getSecretId(), s -> s.deleteSecret(request));
    }

    public RestoreSecretResponse restoreSecret(RestoreSecretRequest request) {
        return write(request.getSecretId(), s -> s.restoreSecret(request));
    }

    public TagResourceResponse tagResource(TagResourceRequest request) {
        return write(request.getSecretId(), s -> s.tagResource(request));
    }

    public UntagResourceResponse untagResource(UntagResourceRequest request) {
        return write(request.getSecretId(), s -> s.untagResource(request));
    }

    /** Served by any reachable region. */
    public GetRandomPasswordResponse getRandomPassword(GetRandomPasswordRequest request) {
        return read(s -> s.getRandomPassword(request));
    }

    /** Sent to the secret's primary region. */
    public ReplicateSecretToRegionsResponse replicateSecretToRegions(ReplicateSecretToRegionsRequest request) {
        return write(request.getSecretId(), s -> s.replicateSecretToRegions(request));
    }

    /** Sent to the secret's primary region. */
    public RemoveRegionsFromReplicationResponse removeRegionsFromReplication(RemoveRegionsFromReplicationRequest request) {
        return write(request.getSecretId(), s -> s.removeRegionsFromReplication(request));
    }

    /**
     * Called in a replica region: sent to the first (preferred) region, whose replica becomes a
     * standalone secret there. Use {@link #secrets(String, Function)} to pick another region.
     */
    public StopReplicationToReplicaResponse stopReplicationToReplica(StopReplicationToReplicaRequest request) {
        StopReplicationToReplicaResponse response = secrets(once(s -> s.stopReplicationToReplica(request)));
        forget(request.getSecretId());
        return response;
    }

    // ---- SecretsService, async: the sync call on the client's executor --------------------

    public CompletableFuture<CreateSecretResponse> createSecretAsync(CreateSecretRequest request) {
        return async(() -> createSecret(request));
    }

    public CompletableFuture<GetSecretValueResponse> getSecretValueAsync(GetSecretValueRequest request) {
        return async(() -> getSecretValue(request));
    }

    public CompletableFuture<BatchGetSecretValueResponse> batchGetSecretValueAsync(BatchGetSecretValueRequest request) {
        return async(() -> batchGetSecretValue(request));
    }

    public CompletableFuture<PutSecretValueResponse> putSecretValueAsync(PutSecretValueRequest request) {
        return async(() -> putSecretValue(request));
    }

    public CompletableFuture<UpdateSecretResponse> updateSecretAsync(UpdateSecretRequest request) {
        return async(() -> updateSecret(request));
    }

    public CompletableFuture<DescribeSecretResponse> describeSecretAsync(DescribeSecretRequest request) {
        return async(() -> describeSecret(request));
    }

    public CompletableFuture<ListSecretsResponse> listSecretsAsync(ListSecretsRequest request) {
        return async(() -> listSecrets(request));
    }

    public CompletableFuture<ListSecretVersionIdsResponse> listSecretVersionIdsAsync(ListSecretVersionIdsRequest request) {
        return async(() -> listSecretVersionIds(request));
    }

    public CompletableFuture<UpdateSecretVersionStageResponse> updateSecretVersionStageAsync(
            UpdateSecretVersionStageRequest request) {
        return async(() -> updateSecretVersionStage(request));
    }

    public CompletableFuture<DeleteSecretResponse> deleteSecretAsync(DeleteSecretRequest request) {
        return async(() -> deleteSecret(request));
    }

    public CompletableFuture<RestoreSecretResponse> restoreSecretAsync(RestoreSecretRequest request) {
        return async(() -> restoreSecret(request));
    }

    public CompletableFuture<TagResourceResponse> tagResourceAsync(TagResourceRequest request) {
        return async(() -> tagResource(request));
    }

    public CompletableFuture<UntagResourceResponse> untagResourceAsync(UntagResourceRequest request) {
        return async(() -> untagResource(request));
    }

    public CompletableFuture<GetRandomPasswordResponse> getRandomPasswordAsync(GetRandomPasswordRequest request) {
        return async(() -> getRandomPassword(request));
    }

    public CompletableFuture<ReplicateSecretToRegionsResponse> replicateSecretToRegionsAsync(
            ReplicateSecretToRegionsRequest request) {
        return async(() -> replicateSecretToRegions(request));
    }

    public CompletableFuture<RemoveRegionsFromReplicationResponse> removeRegionsFromReplicationAsync(
            RemoveRegionsFromReplicationRequest request) {
        return async(() -> removeRegionsFromReplication(request));
    }

    public CompletableFuture<StopReplicationToReplicaResponse> stopReplicationToReplicaAsync(
            StopReplicationToReplicaRequest request) {
        return async(() -> stopReplicationToReplica(request));
    }

    /** A fresh client request token: the version id of the value it writes. */
    public static String newToken() {
        return UUID.randomUUID().toString();
    }

    // ---- routing ---------------------------------------------------------------------------

    private boolean multiRegion() {
        return regions.size() > 1;
    }

    private Region region(String name) {
        for (Region r : regions) {
            if (java.util.Objects.equals(r.name, name)) {
                return r;
            }
        }
        throw new IllegalArgumentException("region " + name + " is not one of this client's regions " + regions());
    }

    private <T> CompletableFuture<T> async(Supplier<T> call) {
        return CompletableFuture.supplyAsync(call, executor);
    }

    /** A read: the first reachable region in read order answers. */
    private <T> T read(Function<SecretsServiceBlockingStub, T> call) {
        StatusRuntimeException unreachable = null;
        for (Region r : readOrder()) {
            try {
                return inRegion(r, call);
            } catch (StatusRuntimeException e) {
                if (!UNREACHABLE.contains(e.getStatus().getCode())) {
                    throw translate(e);
                }
                unreachable = e;
            }
        }
        throw translate(unreachable);
    }

    /** The regions in the order a read tries them (see {@link ReadOrder}). */
    private Iterable<Region> readOrder() {
        return () -> new ReadOrder(regions, health);
    }

    /** A write on an existing secret: sent to its primary region. */
    private <T> T write(String secretId, Function<SecretsServiceBlockingStub, T> write) {
        Function<SecretsServiceBlockingStub, T> call = once(write);
        if (!multiRegion()) {
            return secrets(call);
        }
        for (int round = 0; ; round++) {
            boolean cached = cachedPrimary(secretId).isPresent();
            Region primary = primaryOf(secretId);
            try {
                return inPrimary(primary, secretId, call);
            } catch (ReplicaReadOnlyException | SecretNotFoundException | PrimaryRegionUnavailableException e) {
                // the secret may have moved (promotion, stop-replication, re-creation) since we looked: look again once
                forget(secretId);
                if (!cached || round > 0) {
                    throw e;
                }
            }
        }
    }

    /**
     * The write with one request id on all its attempts (header kinko-request-id): the region
     * applies it once and answers a retry with the first result, so a retried delete or stage
     * move does not fail because its first attempt had already done it.
     */
    private static <T> Function<SecretsServiceBlockingStub, T> once(Function<SecretsServiceBlockingStub, T> write) {
        Metadata headers = new Metadata();
        headers.put(REQUEST_ID, UUID.randomUUID().toString());
        return s -> write.apply(s.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers)));
    }

    /** Runs a call in the region that must take it; an unreachable region is a PrimaryRegionUnavailableException. */
    private <T> T inPrimary(Region primary, String secretId, Function<SecretsServiceBlockingStub, T> call) {
        try {
            return inRegion(primary, call);
        } catch (StatusRuntimeException e) {
            KinkoException k = translate(e);
            if (UNREACHABLE.contains(e.getStatus().getCode())) {
                throw new PrimaryRegionUnavailableException(primary.name, "primary region " + primary.label()
                        + " of secret " + secretId + " is unreachable (" + k.getMessage() + ")", k);
            }
            throw k;
        }
    }

    /** The secret's primary region: remembered, or found with a describe in the first region (in read order) that has it. */
    private Region primaryOf(String secretId) {
        String name = cachedPrimary(secretId).orElse(null);
        if (name == null) {
            StatusRuntimeException notFound = null;
            StatusRuntimeException unreachable = null;
            DescribeSecretRequest describe = DescribeSecretRequest.newBuilder().setSecretId(secretId).build();
            for (Region r : readOrder()) {
                try {
                    name = inRegion(r, s -> s.describeSecret(describe)).getSecret().getPrimaryRegion();
                    break;
                } catch (StatusRuntimeException e) {
                    Status.Code code = e.getStatus().getCode();
                    if (code == Status.Code.NOT_FOUND) {
                        notFound = e;
                    } else if (UNREACHABLE.contains(code)) {
                        unreachable = e;
                    } else {
                        throw translate(e);
                    }
                }
            }
            if (name == null) {
                if (unreachable == null) {
                    throw translate(notFound);
                }
                KinkoException k = translate(unreachable);
                throw new KinkoException(k.reason(), k.code(), k.reason() + ": cannot find the primary region of secret "
                        + secretId + ": " + (notFound == null ? "no region" : "no reachable region") + " has it and "
                        + "some regions are unreachable", k);
            }
            remember(secretId, name);
        }
        for (Region r : regions) {
            if (name.equals(r.name)) {
                return r;
            }
        }
        throw new PrimaryRegionUnavailableException(name, "primary region " + name + " of secret " + secretId
                + " is not one of this client's regions " + regions(), null);
    }

    private Optional<String> cachedPrimary(String secretId) {
        synchronized (primaries) {
            return Optional.ofNullable(primaries.get(secretId));
        }
    }

    private void remember(String secretId, String region) {
        if (secretId.isEmpty() || region == null) {
            return;
        }
        synchronized (primaries) {
            primaries.put(secretId, region);
        }
    }

    private void forget(String secretId) {
        synchronized (primaries) {
            primaries.remove(secretId);
        }
    }

    // ---- one region ------------------------------------------------------------------------

    private <T> T translated(Supplier<T> call) {
        try {
            return call.get();
        } catch (StatusRuntimeException e) {
            throw translate(e);
        }
    }

    private <T> T inRegion(Region region, Function<SecretsServiceBlockingStub, T> call) {
        return withRetries(region, ch -> call.apply(SecretsServiceGrpc.newBlockingStub(ch)
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)));
    }

    /** Runs the call across the region's nodes and tells the region health whether the region answered. */
    private <T> T withRetries(Region region, Function<ManagedChannel, T> call) {
        T result;
        try {
            result = acrossNodes(region, call);
        } catch (StatusRuntimeException e) {
            if (UNREACHABLE.contains(e.getStatus().getCode())) {
                health.markDown(region.label());
            } else {
                health.markUp(region.label()); // a refusal is an answer
            }
            throw e;
        }
        health.markUp(region.label());
        return result;
    }

    /** Tries the region's nodes in turn; throws the last status when out of attempts or not retryable. */
    private <T> T acrossNodes(Region region, Function<ManagedChannel, T> call) {
        long backoff = initialBackoff.toMillis();
        for (int attempt = 1; ; attempt++) {
            int node = region.preferred();
            try {
                return call.apply(region.channels.get(node));
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                boolean retryable = RETRYABLE.contains(code);
                if (UNREACHABLE.contains(code)) {
                    region.moveOn(node);
                }
                if (!retryable || attempt >= maxAttempts) {
                    throw e;
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
        return KinkoException.of(reason, e.getStatus().getCode(), message, e);
    }

    @Override
    public String toString() {
        return "KinkoClient" + regions();
    }

    @Override
    public void close() {
        if (ownedExecutor != null) {
            ownedExecutor.shutdownNow();
        }
        List<ManagedChannel> channels = new ArrayList<>();
        regions.forEach(r -> channels.addAll(r.channels));
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
