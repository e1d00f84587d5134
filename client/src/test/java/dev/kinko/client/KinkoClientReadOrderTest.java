package dev.kinko.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.server.testing.Ports;
import io.grpc.Status;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Read order when no region answers: two regions whose only node addresses have nothing listening. */
class KinkoClientReadOrderTest {
    static final int ATTEMPTS = 2;

    @Test
    void whenEveryRegionRestsAReadStillTriesThemAllInOrderOfPreference() {
        String tokyo = "127.0.0.1:" + Ports.free();
        String osaka = "127.0.0.1:" + Ports.free();
        CallCounter calls = new CallCounter();
        try (KinkoClient c = KinkoClient.builder().region("tokyo", tokyo).region("osaka", osaka)
                .deadline(Duration.ofSeconds(5)).retry(ATTEMPTS, Duration.ofMillis(1))
                .clock(new MutableClock()).interceptor(calls).build()) {
            GetSecretValueRequest get = GetSecretValueRequest.newBuilder().setSecretId("order/a").build();

            KinkoException first = catchThrowableOfType(KinkoException.class, () -> c.getSecretValue(get));
            assertThat(first.code()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(calls.addressesCalled()).containsExactly(tokyo, tokyo, osaka, osaka);

            // both regions rest now, and the clock has not moved: the read still tries both, tokyo first
            KinkoException second = catchThrowableOfType(KinkoException.class, () -> c.getSecretValue(get));
            assertThat(second.code()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(calls.addressesCalled()).containsExactly(tokyo, tokyo, osaka, osaka, tokyo, tokyo, osaka, osaka);
        }
    }
}
