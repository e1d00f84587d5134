package dev.kinko.client;

import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.GetSecretValueResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An in-memory cache of secret values in front of a {@link KinkoClient}, like the AWS Secrets
 * Manager caching client.
 *
 * <ul>
 *   <li>A value is served from the cache for {@code ttl} after it was read.</li>
 *   <li>When it is older, the next get starts a refresh in the background and still returns
 *       the old value; the refreshed value is served once it arrives.</li>
 *   <li>When a refresh fails (region unreachable, secret deleted, ...) the last good value keeps
 *       being served, and the refresh is tried again {@link #retryDelay()} later.</li>
 *   <li>At most {@code maxEntries} (secret, stage) pairs are kept; the least recently used goes first.</li>
 *   <li>A first read that fails throws the client's {@link KinkoException}.</li>
 *   <li>{@link #refreshNow} reads CURRENT at once, e.g. after the database refused the cached
 *       password because the secret was rotated.</li>
 * </ul>
 * Values never appear in {@link #toString()} or in messages.
 */
public final class SecretCache {
    public static final Duration DEFAULT_TTL = Duration.ofHours(1);
    public static final int DEFAULT_MAX_ENTRIES = 1024;
    /** The stage read when none is given. */
    public static final String CURRENT = "CURRENT";
    /** The longest wait before a failed refresh is tried again (never more than the TTL). */
    public static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(1);

    private final KinkoClient client;
    private final Duration ttl;
    private final int maxEntries;
    private final Clock clock;
    private final Map<Key, Entry> entries;
    private final java.util.concurrent.atomic.AtomicLong refreshes = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong refreshFailures = new java.util.concurrent.atomic.AtomicLong();

    private record Key(String name, String stage) {
    }

    /** One cached value; its fields are guarded by the cache's lock. */
    private static final class Entry {
        GetSecretValueResponse value;
        Instant fetchedAt;
        Instant retryAt;
        boolean refreshing;

        @Override
        public String toString() {
            return "Entry[fetchedAt=" + fetchedAt + "]";
        }
    }

    public SecretCache(KinkoClient client) {
        this(client, DEFAULT_TTL, DEFAULT_MAX_ENTRIES);
    }

    public SecretCache(KinkoClient client, Duration ttl, int maxEntries) {
        this(client, ttl, maxEntries, Clock.systemUTC());
    }

    public SecretCache(KinkoClient client, Duration ttl, int maxEntries, Clock clock) {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive");
        }
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1");
        }
        this.client = Objects.requireNonNull(client);
        this.ttl = ttl;
        this.maxEntries = maxEntries;
        this.clock = Objects.requireNonNull(clock);
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Entry> eldest) {
                return size() > SecretCache.this.maxEntries;
            }
        };
    }

    /** The CURRENT string value, or null when the secret holds a binary value. */
    public String getSecretString(String name) {
        return getSecretString(name, CURRENT);
    }

    /** The string value of the version with this stage label, or null when it is binary. */
    public String getSecretString(String name, String stage) {
        GetSecretValueResponse v = get(name, stage);
        return v.getValueCase() == GetSecretValueResponse.ValueCase.SECRET_STRING ? v.getSecretString() : null;
    }

    /** The CURRENT binary value (a copy), or null when the secret holds a string value. */
    public byte[] getSecretBinary(String name) {
        return getSecretBinary(name, CURRENT);
    }

    /** The binary value (a copy) of the version with this stage label, or null when it is a string. */
    public byte[] getSecretBinary(String name, String stage) {
        GetSecretValueResponse v = get(name, stage);
        return v.getValueCase() == GetSecretValueResponse.ValueCase.SECRET_BINARY ? v.getSecretBinary().toByteArray() : null;
    }

    /**
     * Reads the secret's CURRENT value now, in this thread, and caches it in place of the cached
     * one (as if just read: its TTL starts again). For a caller that knows the cached value is
     * stale, e.g. a database refused its password after a rotation. Returns the string value, or
     * null when it is binary. A failed read throws as {@link #getSecretString(String)} does and
     * leaves the cached value as it was.
     */
    public String refreshNow(String name) {
        Key key = new Key(Objects.requireNonNull(name), CURRENT);
        GetSecretValueResponse value = fetch(key);
        Entry fresh = new Entry();
        fresh.value = value;
        synchronized (entries) {
            fresh.fetchedAt = clock.instant();
            // a new entry, not the old one updated: a background refresh still running on the old
            // one (it may have read before this call) then cannot put an older value back
            entries.put(key, fresh);
        }
        return value.getValueCase() == GetSecretValueResponse.ValueCase.SECRET_STRING ? value.getSecretString() : null;
    }

    /** Drops every cached stage of the secret: the next get reads it afresh. */
    public void invalidate(String name) {
        synchronized (entries) {
            entries.keySet().removeIf(k -> k.name().equals(name));
        }
    }

    public void invalidateAll() {
        synchronized (entries) {
            entries.clear();
        }
    }

    /** How many (secret, stage) pairs are cached. */
    public int size() {
        synchronized (entries) {
            return entries.size();
        }
    }

    public Duration ttl() {
        return ttl;
    }

    public int maxEntries() {
        return maxEntries;
    }

    /** Background refreshes that succeeded so far. */
    public long refreshes() {
        return refreshes.get();
    }

    /** Background refreshes that failed so far (the last good value was kept). */
    public long refreshFailures() {
        return refreshFailures.get();
    }

    /** How long after a failed refresh the next one is tried. */
    public Duration retryDelay() {
        return ttl.compareTo(MAX_RETRY_DELAY) < 0 ? ttl : MAX_RETRY_DELAY;
    }

    private GetSecretValueResponse get(String name, String stage) {
        Key key = new Key(Objects.requireNonNull(name), Objects.requireNonNull(stage));
        Entry entry;
        boolean refresh = false;
        synchronized (entries) {
            entry = entries.get(key);
            if (entry != null) {
                Instant now = clock.instant();
                if (!entry.refreshing && !now.isBefore(entry.fetchedAt.plus(ttl))
                        && (entry.retryAt == null || !now.isBefore(entry.retryAt))) {
                    entry.refreshing = true;
                    refresh = true;
                }
                if (!refresh) {
                    return entry.value;
                }
            }
        }
        if (entry == null) {
            GetSecretValueResponse value = fetch(key);
            synchronized (entries) {
                Entry fresh = new Entry();
                fresh.value = value;
                fresh.fetchedAt = clock.instant();
                entries.put(key, fresh);
            }
            return value;
        }
        refreshInBackground(key, entry);
        synchronized (entries) {
            return entry.value;
        }
    }

    private void refreshInBackground(Key key, Entry entry) {
        java.util.concurrent.CompletableFuture<GetSecretValueResponse> refreshed;
        try {
            refreshed = client.getSecretValueAsync(request(key));
        } catch (RuntimeException e) { // e.g. the client's executor is shut down: keep serving the last good value
            refreshed = java.util.concurrent.CompletableFuture.failedFuture(e);
        }
        refreshed.whenComplete((value, failure) -> {
            synchronized (entries) {
                entry.refreshing = false;
                if (failure == null) {
                    refreshes.incrementAndGet();
                    entry.value = value;
                    entry.fetchedAt = clock.instant();
                    entry.retryAt = null;
                } else {
                    refreshFailures.incrementAndGet();
                    entry.retryAt = clock.instant().plus(retryDelay());
                }
            }
        });
    }

    private GetSecretValueResponse fetch(Key key) {
        return client.getSecretValue(request(key));
    }

    private static GetSecretValueRequest request(Key key) {
        return GetSecretValueRequest.newBuilder().setSecretId(key.name()).setVersionStage(key.stage()).build();
    }

    @Override
    public String toString() {
        return "SecretCache[ttl=" + ttl + ", maxEntries=" + maxEntries + ", size=" + size() + "]";
    }
}
