package dev.kinko.server.api.security;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A token bucket per identity: {@code perSecond} requests a second on average, bursts up to
 * {@code burst}. Buckets of identities not seen lately are dropped (the map is LRU-bounded),
 * which only ever gives a returning caller a full bucket.
 */
public final class RateLimiter {
    /** Identities whose buckets are kept at once. */
    public static final int MAX_TRACKED = 100_000;

    private final double perSecond;
    private final double burst;
    private static final class Bucket {
        double tokens;
        long lastNanos;
    }

    private final Map<String, Bucket> buckets = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
            return size() > MAX_TRACKED;
        }
    };

    public RateLimiter(double perSecond, int burst) {
        this.perSecond = perSecond;
        this.burst = burst;
    }

    /** Takes one request from the identity's bucket; false when it is empty. */
    public synchronized boolean tryAcquire(String identity, long nowNanos) {
        Bucket b = buckets.get(identity);
        if (b == null) {
            b = new Bucket();
            b.tokens = burst;
            b.lastNanos = nowNanos;
            buckets.put(identity, b);
        }
        b.tokens = Math.min(burst, b.tokens + (nowNanos - b.lastNanos) / 1e9 * perSecond);
        b.lastNanos = nowNanos;
        if (b.tokens < 1) {
            return false;
        }
        b.tokens -= 1;
        return true;
    }
}
