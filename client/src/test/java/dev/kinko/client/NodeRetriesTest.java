package dev.kinko.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which refusals the client tries again, and on which node (no server: the calls are stand-ins). */
class NodeRetriesTest {
    final MutableClock clock = new MutableClock();
    final RegionHealth health = new RegionHealth(Duration.ofSeconds(10), clock);
    final NodeRetries retries = new NodeRetries(3, Duration.ofMillis(1), health);
    // channels are made but never connect: the calls below do not use them
    final Region region = new Region("tokyo", List.of("127.0.0.1:1", "127.0.0.1:2"), InsecureChannelCredentials.create(),
            List.of());

    @AfterEach
    void close() {
        region.channels.forEach(ManagedChannel::shutdownNow);
    }

    static StatusRuntimeException refusal(Status.Code code, String reason) {
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder().setCode(code.value())
                .setMessage(reason + ": (test)")
                .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(reason).setDomain("kinko.dev").build())).build());
    }

    /** Fails the first {@code failures} calls with {@code refusal}, then answers with the node it reached. */
    final List<Integer> nodesTried = new ArrayList<>();

    String call(ManagedChannel channel, int failures, StatusRuntimeException refusal) {
        nodesTried.add(region.channels.indexOf(channel));
        if (nodesTried.size() <= failures) {
            throw refusal;
        }
        return "answered";
    }

    @Test
    void anOverloadedNodeIsRetriedOnTheNextNode() {
        StatusRuntimeException overloaded = refusal(Status.Code.RESOURCE_EXHAUSTED, "OVERLOADED");
        assertThat(NodeRetries.overloaded(overloaded)).isTrue();
        assertThat(retries.<String>withRetries(region, ch -> call(ch, 1, overloaded))).isEqualTo("answered");
        assertThat(nodesTried).containsExactly(0, 1);
        assertThat(health.isDown("tokyo")).as("an overloaded region still answers").isFalse();
    }

    @Test
    void overloadedUpToTheLastAttemptIsRetriedAndOnePastIsThrown() {
        StatusRuntimeException overloaded = refusal(Status.Code.RESOURCE_EXHAUSTED, "OVERLOADED");
        assertThat(retries.<String>withRetries(region, ch -> call(ch, 2, overloaded))).isEqualTo("answered");
        nodesTried.clear();
        assertThatThrownBy(() -> retries.withRetries(region, ch -> call(ch, 3, overloaded))).isSameAs(overloaded);
        assertThat(nodesTried).hasSize(3);
    }

    @Test
    void aRateLimitIsNotRetried() {
        StatusRuntimeException limited = refusal(Status.Code.RESOURCE_EXHAUSTED, "RATE_LIMITED");
        assertThat(NodeRetries.overloaded(limited)).isFalse();
        assertThatThrownBy(() -> retries.withRetries(region, ch -> call(ch, 1, limited))).isSameAs(limited);
        assertThat(nodesTried).containsExactly(0);
        StatusRuntimeException bare = Status.RESOURCE_EXHAUSTED.asRuntimeException();
        assertThat(NodeRetries.overloaded(bare)).isFalse();
    }

    @Test
    void theReasonIsReadFromErrorInfo() {
        assertThat(ErrorTranslation.reason(refusal(Status.Code.RESOURCE_EXHAUSTED, "OVERLOADED"))).isEqualTo("OVERLOADED");
        assertThat(ErrorTranslation.reason(Status.UNAVAILABLE.asRuntimeException())).isEmpty();
        assertThat(ErrorTranslation.translate(Status.UNAVAILABLE.asRuntimeException()).reason()).isEqualTo("UNAVAILABLE");
    }
}
