package dev.kinko.client;

import dev.kinko.proto.v1.AdminServiceGrpc;
import dev.kinko.proto.v1.AdminServiceGrpc.AdminServiceBlockingStub;
import dev.kinko.proto.v1.BatchGetSecretValueRequest;
import dev.kinko.proto.v1.CancelRotateSecretRequest;
import dev.kinko.proto.v1.CancelRotateSecretResponse;
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
import dev.kinko.proto.v1.RotateSecretRequest;
import dev.kinko.proto.v1.RotateSecretResponse;
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
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * <p>With several regions ({@link KinkoClientBuilder#region}, in order of preference):
 * <ul>
 *   <li>reads (get, batch get, describe, list, list versions, random password) go to the
 *       preferred region and fail over to the next one when a region is unreachable
 *       ({@code UNAVAILABLE} or {@code DEADLINE_EXCEEDED} after its node retries); a replica
 *       region serves reads;</li>
 *   <li>a region found unreachable rests for a cool-off ({@link KinkoClientBuilder#regionCoolOff}): reads
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
 * With one region ({@link KinkoClientBuilder#addresses}) every call goes to it, as before.
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
    private final RegionRouter router;
    private final Duration deadline;
    private final Executor executor;
    private final ExecutorService ownedExecutor;

    KinkoClient(KinkoClientBuilder b) {
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
        RegionHealth health = new RegionHealth(b.regionCoolOff, b.clock);
        this.router = new RegionRouter(Collections.unmodifiableList(rs), health,
                new NodeRetries(b.maxAttempts, b.initialBackoff, health), b.deadline);
        this.deadline = b.deadline;
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

    public static KinkoClientBuilder builder() {
        return new KinkoClientBuilder();
    }

    /** The names of the configured regions in order of preference (one null for an unnamed region). */
    public List<String> regions() {
        return router.names();
    }

    // ---- raw calls -------------------------------------------------------------------------

    /**
     * Runs a SecretsService call with failover across the (first) region's nodes and retries. The
     * call is not known to be idempotent, so a write whose outcome is unknown is not retried here
     * (use the typed methods, which send one request id on every attempt).
     */
    public <T> T secrets(Function<SecretsServiceBlockingStub, T> call) {
        return router.translated(() -> router.inRegion(router.regions.get(0), false, call));
    }

    /** Runs a SecretsService call in the named region, with failover across its nodes and retries. */
    public <T> T secrets(String region, Function<SecretsServiceBlockingStub, T> call) {
        return router.translated(() -> router.inRegion(router.region(region), false, call));
    }

    /**
     * Runs an AdminService call with failover across the (first) region's nodes and retries. The
     * attempts carry one request id; a call whose outcome is unknown is not retried (some admin
     * writes, a key rotation or a promotion, are not deduplicated).
     */
    public <T> T admin(Function<AdminServiceBlockingStub, T> call) {
        return admin(router.regions.get(0), call);
    }

    /** Runs an AdminService call in the named region. */
    public <T> T admin(String region, Function<AdminServiceBlockingStub, T> call) {
        return admin(router.region(region), call);
    }

    private <T> T admin(Region r, Function<AdminServiceBlockingStub, T> call) {
        io.grpc.ClientInterceptor id = RegionRouter.requestId();
        return router.translated(() -> router.withRetries(r, false, ch -> call.apply(AdminServiceGrpc.newBlockingStub(ch)
                .withInterceptors(id).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS))));
    }

    /**
     * Runs an AccessService call (policies, tokens, whoami) with failover across the (first) region's
     * nodes. The attempts carry one request id; a call whose outcome is unknown is not retried (a
     * token is created anew by each CreateToken).
     */
    public <T> T access(Function<dev.kinko.proto.v1.AccessServiceGrpc.AccessServiceBlockingStub, T> call) {
        io.grpc.ClientInterceptor id = RegionRouter.requestId();
        return router.translated(() -> router.withRetries(router.regions.get(0), false, ch -> call.apply(
                dev.kinko.proto.v1.AccessServiceGrpc.newBlockingStub(ch).withInterceptors(id)
                        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS))));
    }

    // ---- SecretsService, sync --------------------------------------------------------------

    /** Creates the secret in the first region (its primary region); adds a client request token if absent. */
    public CreateSecretResponse createSecret(CreateSecretRequest request) {
        CreateSecretRequest withToken = request.getClientRequestToken().isEmpty()
                ? request.toBuilder().setClientRequestToken(newToken()).build() : request;
        Region first = router.regions.get(0);
        Function<SecretsServiceBlockingStub, CreateSecretResponse> create = RegionRouter.once(s -> s.createSecret(withToken));
        if (!router.multiRegion()) {
            return router.translated(() -> router.inRegion(first, create));
        }
        CreateSecretResponse created = router.inPrimary(first, withToken.getName(), create);
        router.remember(withToken.getName(), first.name);
        router.remember(created.getId(), first.name);
        return created;
    }

    public GetSecretValueResponse getSecretValue(GetSecretValueRequest request) {
        return router.read(s -> s.getSecretValue(request));
    }

    public BatchGetSecretValueResponse batchGetSecretValue(BatchGetSecretValueRequest request) {
        return router.read(s -> s.batchGetSecretValue(request));
    }

    /** Writes a new version in the secret's primary region; adds a client request token if absent. */
    public PutSecretValueResponse putSecretValue(PutSecretValueRequest request) {
        PutSecretValueRequest withToken = request.getClientRequestToken().isEmpty()
                ? request.toBuilder().setClientRequestToken(newToken()).build() : request;
        return router.write(withToken.getSecretId(), s -> s.putSecretValue(withToken));
    }

    /** Updates the secret in its primary region; adds a client request token if absent. */
    public UpdateSecretResponse updateSecret(UpdateSecretRequest request) {
        UpdateSecretRequest withToken = request.getClientRequestToken().isEmpty()
                ? request.toBuilder().setClientRequestToken(newToken()).build() : request;
        return router.write(withToken.getSecretId(), s -> s.updateSecret(withToken));
    }

    public DescribeSecretResponse describeSecret(DescribeSecretRequest request) {
        return router.read(s -> s.describeSecret(request));
    }

    public ListSecretsResponse listSecrets(ListSecretsRequest request) {
        return router.read(s -> s.listSecrets(request));
    }

    public ListSecretVersionIdsResponse listSecretVersionIds(ListSecretVersionIdsRequest request) {
        return router.read(s -> s.listSecretVersionIds(request));
    }

    public UpdateSecretVersionStageResponse updateSecretVersionStage(UpdateSecretVersionStageRequest request) {
        return router.write(request.getSecretId(), s -> s.updateSecretVersionStage(request));
    }

    public DeleteSecretResponse deleteSecret(DeleteSecretRequest request) {
        return router.write(request.getSecretId(), s -> s.deleteSecret(request));
    }

    public RestoreSecretResponse restoreSecret(RestoreSecretRequest request) {
        return router.write(request.getSecretId(), s -> s.restoreSecret(request));
    }

    public TagResourceResponse tagResource(TagResourceRequest request) {
        return router.write(request.getSecretId(), s -> s.tagResource(request));
    }

    public UntagResourceResponse untagResource(UntagResourceRequest request) {
        return router.write(request.getSecretId(), s -> s.untagResource(request));
    }

    /** Served by any reachable region. */
    public GetRandomPasswordResponse getRandomPassword(GetRandomPasswordRequest request) {
        return router.read(s -> s.getRandomPassword(request));
    }

    /** Sent to the secret's primary region. */
    public ReplicateSecretToRegionsResponse replicateSecretToRegions(ReplicateSecretToRegionsRequest request) {
        return router.write(request.getSecretId(), s -> s.replicateSecretToRegions(request));
    }

    /** Sent to the secret's primary region. */
    public RemoveRegionsFromReplicationResponse removeRegionsFromReplication(RemoveRegionsFromReplicationRequest request) {
        return router.write(request.getSecretId(), s -> s.removeRegionsFromReplication(request));
    }

    /**
     * Called in a replica region: sent to the first (preferred) region, whose replica becomes a
     * standalone secret there. Use {@link #secrets(String, Function)} to pick another region.
     */
    public StopReplicationToReplicaResponse stopReplicationToReplica(StopReplicationToReplicaRequest request) {
        StopReplicationToReplicaResponse response = router.translated(() -> router.inRegion(router.regions.get(0),
                RegionRouter.once(s -> s.stopReplicationToReplica(request))));
        router.forget(request.getSecretId());
        return response;
    }

    /**
     * Sets the secret's rotation (rules, rotator) and, unless {@code rotate_immediately} is false,
     * starts a rotation, in the secret's primary region. Adds a client request token if absent:
     * it is the new version's id, and every retry sends the same one, so a retry whose first
     * attempt already started the rotation does not start a second.
     */
    public RotateSecretResponse rotateSecret(RotateSecretRequest request) {
        RotateSecretRequest withToken = request.getClientRequestToken().isEmpty()
                ? request.toBuilder().setClientRequestToken(newToken()).build() : request;
        return router.write(withToken.getSecretId(), s -> s.rotateSecret(withToken));
    }

    /** Turns the secret's automatic rotation off and cancels a rotation in progress, in its primary region. */
    public CancelRotateSecretResponse cancelRotateSecret(CancelRotateSecretRequest request) {
        return router.write(request.getSecretId(), s -> s.cancelRotateSecret(request));
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

    public CompletableFuture<RotateSecretResponse> rotateSecretAsync(RotateSecretRequest request) {
        return async(() -> rotateSecret(request));
    }

    public CompletableFuture<CancelRotateSecretResponse> cancelRotateSecretAsync(CancelRotateSecretRequest request) {
        return async(() -> cancelRotateSecret(request));
    }

    private <T> CompletableFuture<T> async(Supplier<T> call) {
        return CompletableFuture.supplyAsync(call, executor);
    }

    /** A fresh client request token: the version id of the value it writes. */
    public static String newToken() {
        return UUID.randomUUID().toString();
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
        router.regions.forEach(r -> channels.addAll(r.channels));
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
