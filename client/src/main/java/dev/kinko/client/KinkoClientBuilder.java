package dev.kinko.client;

import io.grpc.ClientInterceptor;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/** How a {@link KinkoClient} is made: regions and their nodes, credentials, deadlines, retries. */
public final class KinkoClientBuilder {
    final List<String> addresses = new ArrayList<>();
    final Map<String, List<String>> regions = new LinkedHashMap<>();
    Duration deadline = KinkoClient.DEFAULT_DEADLINE;
    int maxAttempts = KinkoClient.DEFAULT_MAX_ATTEMPTS;
    Duration initialBackoff = KinkoClient.DEFAULT_INITIAL_BACKOFF;
    Duration regionCoolOff = KinkoClient.DEFAULT_REGION_COOL_OFF;
    Clock clock = Clock.systemUTC();
    Executor executor;
    final List<ClientInterceptor> interceptors = new ArrayList<>();
    String token;
    Path caCert;
    Path clientCert;
    Path clientKey;

    /** The bearer token sent on every call ({@code kinko token create}); never logged. */
    public KinkoClientBuilder token(String token) {
        this.token = token;
        return this;
    }

    /** Trust the deployment CA in {@code caCert} (PEM) instead of the system's roots. */
    public KinkoClientBuilder tls(Path caCert) {
        this.caCert = caCert;
        return this;
    }

    /** Trust {@code caCert} and present a client certificate as the caller's identity. */
    public KinkoClientBuilder tls(Path caCert, Path clientCert, Path clientKey) {
        if (clientCert == null || clientKey == null) {
            throw new IllegalArgumentException("a client certificate needs both its certificate and its key");
        }
        this.caCert = caCert;
        this.clientCert = clientCert;
        this.clientKey = clientKey;
        return this;
    }

    /** The node addresses (host:port) of the one, unnamed region this client talks to. */
    public KinkoClientBuilder addresses(List<String> addresses) {
        this.addresses.addAll(addresses);
        return this;
    }

    /** Comma-separated host:port list, as in {@code KINKO_ADDR}. */
    public KinkoClientBuilder addresses(String commaSeparated) {
        addresses.addAll(split(commaSeparated));
        return this;
    }

    /**
     * A named region and its node addresses (host:port). Regions are preferred in the order
     * they are added: reads go to the first reachable one, new secrets to the first.
     */
    public KinkoClientBuilder region(String name, List<String> addresses) {
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
    public KinkoClientBuilder region(String name, String commaSeparated) {
        return region(name, split(commaSeparated));
    }

    /** Deadline of each attempt. */
    public KinkoClientBuilder deadline(Duration deadline) {
        this.deadline = deadline;
        return this;
    }

    /** Attempts per region (over its nodes) and the first backoff, doubled up to {@link KinkoClient#MAX_BACKOFF}. */
    public KinkoClientBuilder retry(int maxAttempts, Duration initialBackoff) {
        this.maxAttempts = maxAttempts;
        this.initialBackoff = initialBackoff;
        return this;
    }

    /**
     * How long reads try a region last after it was found unreachable, before one read probes
     * it again ({@link KinkoClient#DEFAULT_REGION_COOL_OFF}); zero tries every region in order every time.
     */
    public KinkoClientBuilder regionCoolOff(Duration coolOff) {
        this.regionCoolOff = coolOff;
        return this;
    }

    /** The clock that times region cool-offs. */
    public KinkoClientBuilder clock(Clock clock) {
        this.clock = clock;
        return this;
    }

    /** Where the {@code ...Async} methods run their calls; by default a pool the client owns. */
    public KinkoClientBuilder executor(Executor executor) {
        this.executor = executor;
        return this;
    }

    /** Interceptors on every channel (headers, metrics, ...). */
    public KinkoClientBuilder interceptor(ClientInterceptor interceptor) {
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

    static List<String> split(String commaSeparated) {
        List<String> out = new ArrayList<>();
        for (String a : commaSeparated.split(",")) {
            if (!a.isBlank()) {
                out.add(a.trim());
            }
        }
        return out;
    }
}
