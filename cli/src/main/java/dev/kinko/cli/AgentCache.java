package dev.kinko.cli;

import dev.kinko.client.KinkoClient;
import dev.kinko.client.SecretCache;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.GetSecretValueResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cache of {@code kinko agent}: whole GetSecretValue responses (value, version id, stages,
 * creation date), which the agent's JSON needs. The client's {@link SecretCache} hands out the
 * value alone, so the agent keeps the same rules here:
 * <ul>
 *   <li>a response is served from the cache for {@code ttl} after it was read (the AWS agent's
 *       {@code ttl_seconds}); after that the next request reads it again, in its own thread;</li>
 *   <li>when that read fails with a failure that may pass (every region unreachable, between
 *       leaders, ...) the last value read is served (stale), and read again on the next request;
 *       a definite answer (not found, denied) drops the entry and is the request's answer;</li>
 *   <li>{@code refreshNow} reads at once, whatever the entry's age (stale on a transient failure
 *       too);</li>
 *   <li>at most {@code maxEntries} (secret, stage or version) entries, the least recently used goes
 *       first (the AWS agent's {@code cache_size}).</li>
 * </ul>
 * Reads go through the {@link KinkoClient}, so they fail over between its regions. Values never
 * appear in {@link #toString()}.
 */
final class AgentCache {
    /** A secret as a request names it: by stage (CURRENT when none) or by version id (then stage is empty). */
    record Key(String secretId, String versionStage, String versionId) {
        Key {
            Objects.requireNonNull(secretId);
            Objects.requireNonNull(versionStage);
            Objects.requireNonNull(versionId);
        }

        static Key current(String secretId) {
            return new Key(secretId, SecretCache.CURRENT, "");
        }
    }

    private record Entry(GetSecretValueResponse value, Instant fetchedAt) {
        @Override
        public String toString() {
            return "Entry[fetchedAt=" + fetchedAt + "]";
        }
    }

    private final KinkoClient client;
    private final Duration ttl;
    private final int maxEntries;
    private final Clock clock;
    private final Map<Key, Entry> entries;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong fetches = new AtomicLong();
    private final AtomicLong staleServed = new AtomicLong();

    AgentCache(KinkoClient client, Duration ttl, int maxEntries) {
        this(client, ttl, maxEntries, Clock.systemUTC());
    }

    AgentCache(KinkoClient client, Duration ttl, int maxEntries, Clock clock) {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("the TTL must be positive");
        }
        if (maxEntries < 1) {
            throw new IllegalArgumentException("the cache size must be at least 1");
        }
        this.client = Objects.requireNonNull(client);
        this.ttl = ttl;
        this.maxEntries = maxEntries;
        this.clock = Objects.requireNonNull(clock);
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Entry> eldest) {
                return size() > AgentCache.this.maxEntries;
            }
        };
    }

    /**
     * The cached response when it is younger than the TTL (and {@code refreshNow} is false), else
     * a fresh read; on a transient failure the last value read, if any. Otherwise throws the
     * client's exception.
     */
    GetSecretValueResponse get(Key key, boolean refreshNow) {
        Entry cached;
        synchronized (entries) {
            cached = entries.get(key);
        }
        if (!refreshNow && cached != null && clock.instant().isBefore(cached.fetchedAt().plus(ttl))) {
            hits.incrementAndGet();
            return cached.value();
        }
        GetSecretValueResponse value;
        try {
            value = client.getSecretValue(request(key));
        } catch (RuntimeException e) {
            if (cached != null && AgentError.transientFailure(e)) {
                staleServed.incrementAndGet();
                return cached.value();
            }
            if (!AgentError.transientFailure(e)) {
                synchronized (entries) {
                    entries.remove(key, cached);
                }
            }
            throw e;
        }
        fetches.incrementAndGet();
        synchronized (entries) {
            entries.put(key, new Entry(value, clock.instant()));
        }
        return value;
    }

    private static GetSecretValueRequest request(Key key) {
        GetSecretValueRequest.Builder r = GetSecretValueRequest.newBuilder().setSecretId(key.secretId());
        if (!key.versionId().isEmpty()) {
            r.setVersionId(key.versionId());
        } else {
            r.setVersionStage(key.versionStage());
        }
        return r.build();
    }

    /** Requests answered from the cache within the TTL. */
    long hits() {
        return hits.get();
    }

    /** Reads from Kinko that succeeded (first reads, reads after the TTL, refreshNow). */
    long fetches() {
        return fetches.get();
    }

    /** Requests answered with a value older than the TTL because Kinko could not be read. */
    long staleServed() {
        return staleServed.get();
    }

    int size() {
        synchronized (entries) {
            return entries.size();
        }
    }

    Duration ttl() {
        return ttl;
    }

    int maxEntries() {
        return maxEntries;
    }

    @Override
    public String toString() {
        return "AgentCache[ttl=" + ttl + ", maxEntries=" + maxEntries + ", size=" + size() + "]";
    }
}
