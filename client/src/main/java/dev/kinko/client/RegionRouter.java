package dev.kinko.client;

import dev.kinko.proto.v1.DescribeSecretRequest;
import dev.kinko.proto.v1.SecretsServiceGrpc;
import dev.kinko.proto.v1.SecretsServiceGrpc.SecretsServiceBlockingStub;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Which region a call goes to: reads to the first reachable region in read order, writes to
 * the secret's primary region (looked up once and remembered, again after it moved), and within
 * a region across its nodes with {@link NodeRetries}.
 */
final class RegionRouter {
    /** The header that carries a write's request id (the server's RequestIds). */
    static final Metadata.Key<String> REQUEST_ID = Metadata.Key.of("kinko-request-id", Metadata.ASCII_STRING_MARSHALLER);

    final List<Region> regions;
    private final RegionHealth health;
    private final NodeRetries retries;
    private final Duration deadline;
    /** Secret id as the caller gave it -> name of its primary region; LRU-bounded. */
    private final Map<String, String> primaries = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > KinkoClient.PRIMARY_REGION_CACHE_SIZE;
        }
    };

    RegionRouter(List<Region> regions, RegionHealth health, NodeRetries retries, Duration deadline) {
        this.regions = regions;
        this.health = health;
        this.retries = retries;
        this.deadline = deadline;
    }

    List<String> names() {
        List<String> names = new ArrayList<>();
        regions.forEach(r -> names.add(r.name));
        return names;
    }

    boolean multiRegion() {
        return regions.size() > 1;
    }

    Region region(String name) {
        for (Region r : regions) {
            if (java.util.Objects.equals(r.name, name)) {
                return r;
            }
        }
        throw new IllegalArgumentException("region " + name + " is not one of this client's regions " + names());
    }

    /** A read: the first reachable region in read order answers. */
    <T> T read(Function<SecretsServiceBlockingStub, T> call) {
        StatusRuntimeException unreachable = null;
        for (Region r : readOrder()) {
            try {
                return readIn(r, call);
            } catch (StatusRuntimeException e) {
                if (!NodeRetries.UNREACHABLE.contains(e.getStatus().getCode())) {
                    throw ErrorTranslation.translate(e);
                }
                unreachable = e;
            }
        }
        throw ErrorTranslation.translate(unreachable);
    }

    /** The regions in the order a read tries them (see {@link ReadOrder}). */
    private Iterable<Region> readOrder() {
        return () -> new ReadOrder(regions, health);
    }

    /** A write on an existing secret: sent to its primary region. */
    <T> T write(String secretId, Function<SecretsServiceBlockingStub, T> write) {
        Function<SecretsServiceBlockingStub, T> call = once(write);
        if (!multiRegion()) {
            return translated(() -> inRegion(regions.get(0), call));
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
    static <T> Function<SecretsServiceBlockingStub, T> once(Function<SecretsServiceBlockingStub, T> write) {
        io.grpc.ClientInterceptor id = requestId();
        return s -> write.apply(s.withInterceptors(id));
    }

    /** Runs a call in the region that must take it; an unreachable region is a PrimaryRegionUnavailableException. */
    <T> T inPrimary(Region primary, String secretId, Function<SecretsServiceBlockingStub, T> call) {
        try {
            return inRegion(primary, call);
        } catch (StatusRuntimeException e) {
            KinkoException k = ErrorTranslation.translate(e);
            if (NodeRetries.UNREACHABLE.contains(e.getStatus().getCode())) {
                throw new PrimaryRegionUnavailableException(primary.name, "primary region " + primary.label()
                        + " of secret " + secretId + " is unreachable (" + k.getMessage() + ")", k);
            }
            throw k;
        }
    }

    /** The secret's primary region: remembered, or found with a describe in the first region (in read order) that has it. */
    Region primaryOf(String secretId) {
        String name = cachedPrimary(secretId).orElse(null);
        if (name == null) {
            StatusRuntimeException notFound = null;
            StatusRuntimeException unreachable = null;
            DescribeSecretRequest describe = DescribeSecretRequest.newBuilder().setSecretId(secretId).build();
            for (Region r : readOrder()) {
                try {
                    name = readIn(r, s -> s.describeSecret(describe)).getSecret().getPrimaryRegion();
                    break;
                } catch (StatusRuntimeException e) {
                    Status.Code code = e.getStatus().getCode();
                    if (code == Status.Code.NOT_FOUND) {
                        notFound = e;
                    } else if (NodeRetries.UNREACHABLE.contains(code)) {
                        unreachable = e;
                    } else {
                        throw ErrorTranslation.translate(e);
                    }
                }
            }
            if (name == null) {
                if (unreachable == null) {
                    throw ErrorTranslation.translate(notFound);
                }
                KinkoException k = ErrorTranslation.translate(unreachable);
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
                + " is not one of this client's regions " + names(), null);
    }

    Optional<String> cachedPrimary(String secretId) {
        synchronized (primaries) {
            return Optional.ofNullable(primaries.get(secretId));
        }
    }

    void remember(String secretId, String region) {
        if (secretId.isEmpty() || region == null) {
            return;
        }
        synchronized (primaries) {
            primaries.put(secretId, region);
        }
    }

    void forget(String secretId) {
        synchronized (primaries) {
            primaries.remove(secretId);
        }
    }

    <T> T translated(Supplier<T> call) {
        try {
            return call.get();
        } catch (StatusRuntimeException e) {
            throw ErrorTranslation.translate(e);
        }
    }

    /** A read, or a write made with {@link #once} (one request id on every attempt): retried also when its outcome is unknown. */
    <T> T inRegion(Region region, Function<SecretsServiceBlockingStub, T> call) {
        return inRegion(region, true, call);
    }

    <T> T inRegion(Region region, boolean idempotent, Function<SecretsServiceBlockingStub, T> call) {
        return retries.withRetries(region, idempotent, ch -> call.apply(SecretsServiceGrpc.newBlockingStub(ch)
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)));
    }

    /** A read in one region: with other regions to fail over to, one deadline moves it on to the next region. */
    private <T> T readIn(Region region, Function<SecretsServiceBlockingStub, T> call) {
        return retries.withRetries(region, true, !multiRegion(), ch -> call.apply(SecretsServiceGrpc.newBlockingStub(ch)
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)));
    }

    <T> T withRetries(Region region, boolean idempotent, Function<ManagedChannel, T> call) {
        return retries.withRetries(region, idempotent, call);
    }

    /** A fresh request id header, to send on every attempt of one logical call. */
    static io.grpc.ClientInterceptor requestId() {
        Metadata headers = new Metadata();
        headers.put(REQUEST_ID, UUID.randomUUID().toString());
        return MetadataUtils.newAttachHeadersInterceptor(headers);
    }
}
