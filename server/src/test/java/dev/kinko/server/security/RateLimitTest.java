package dev.kinko.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kinko.proto.v1.AccessServiceGrpc;
import dev.kinko.proto.v1.WhoAmIRequest;
import dev.kinko.server.api.security.RateLimiter;
import dev.kinko.server.rpc.Statuses;
import dev.kinko.server.testing.TestRegion;
import io.grpc.ClientInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A token bucket per identity: a burst at the edge passes, one past it is refused, others go on. */
class RateLimitTest {
    @TempDir
    Path dir;

    @Test
    void theBucketHoldsItsBurstAndRefillsAtItsRate() {
        RateLimiter limiter = new RateLimiter(2, 5);
        long t = 1_000_000_000L;
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.tryAcquire("a", t)).as("request %d of the burst", i + 1).isTrue();
        }
        assertThat(limiter.tryAcquire("a", t)).as("one past the burst").isFalse();
        assertThat(limiter.tryAcquire("b", t)).as("another identity has its own bucket").isTrue();
        assertThat(limiter.tryAcquire("a", t + 499_000_000L)).as("not yet a whole token back").isFalse();
        assertThat(limiter.tryAcquire("a", t + 1_000_000_000L)).as("2 per second: one back after 500 ms").isTrue();
        assertThat(limiter.tryAcquire("a", t + 60_000_000_000L)).isTrue();
        for (int i = 0; i < 4; i++) {
            assertThat(limiter.tryAcquire("a", t + 60_000_000_000L)).isTrue();
        }
        assertThat(limiter.tryAcquire("a", t + 60_000_000_000L)).as("refilled to the burst, not past it").isFalse();
    }

    @Test
    void aNodeRefusesAnIdentityPastItsLimitWithResourceExhausted() {
        try (TestRegion solo = TestRegion.builder("tokyo", dir).size(1).rateLimit(0.5, 20).start()) {
            String busy = solo.tokenWithPolicy(0, "who", """
                    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kinko:GetClusterStatus",
                      "Resource": "*"}]}
                    """);
            AccessServiceGrpc.AccessServiceBlockingStub stub = AccessServiceGrpc.newBlockingStub(ClientInterceptors
                    .intercept(solo.bareChannel(0), TestRegion.bearer(busy))).withDeadlineAfter(10, TimeUnit.SECONDS);
            int served = 0;
            StatusRuntimeException refused = null;
            for (int i = 0; i < 40 && refused == null; i++) {
                try {
                    stub.whoAmI(WhoAmIRequest.getDefaultInstance());
                    served++;
                } catch (StatusRuntimeException e) {
                    refused = e;
                }
            }
            assertThat(served).as("the burst").isBetween(20, 21);
            assertThat(refused).isNotNull();
            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(Statuses.reasonOf(refused)).isEqualTo("RATE_LIMITED");
        }
    }
}
