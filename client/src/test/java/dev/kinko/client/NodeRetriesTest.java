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

    @Test
    void theRetryTableByReason() {
        for (String reason : List.of("NO_LEADER", "NOT_LEADER", "NOT_READY", "LEADER_UNREACHABLE", "RAFT_TIMEOUT",
                "AUDIT_UNAVAILABLE", "DISK_FULL")) {
            assertThat(NodeRetries.retryable(refusal(Status.Code.UNAVAILABLE, reason), false)).as(reason).isTrue();
        }
        assertThat(NodeRetries.retryable(refusal(Status.Code.RESOURCE_EXHAUSTED, "OVERLOADED"), false)).isTrue();
        assertThat(NodeRetries.retryable(refusal(Status.Code.ABORTED, "SECRET_CHANGED"), false)).isTrue();
        // the write may have been committed: retried only where a repeat is deduplicated
        StatusRuntimeException unknown = refusal(Status.Code.UNAVAILABLE, "FORWARD_OUTCOME_UNKNOWN");
        assertThat(NodeRetries.retryable(unknown, true)).isTrue();
        assertThat(NodeRetries.retryable(unknown, false)).isFalse();
        // the client's own transport: node down is retried; deadline and a broken call only when idempotent
        assertThat(NodeRetries.retryable(Status.UNAVAILABLE.withDescription("io exception").asRuntimeException(), false)).isTrue();
        for (Status.Code code : List.of(Status.Code.DEADLINE_EXCEEDED, Status.Code.UNKNOWN)) {
            assertThat(NodeRetries.retryable(Status.fromCode(code).asRuntimeException(), true)).as("%s", code).isTrue();
            assertThat(NodeRetries.retryable(Status.fromCode(code).asRuntimeException(), false)).as("%s", code).isFalse();
        }
        // refusals that are the answer
        for (String reason : List.of("RATE_LIMITED", "SECRET_NOT_FOUND", "INTERNAL", "ACCESS_DENIED")) {
            assertThat(NodeRetries.retryable(refusal(Status.Code.FAILED_PRECONDITION, reason), true)).as(reason).isFalse();
        }
        assertThat(NodeRetries.retryable(Status.INTERNAL.asRuntimeException(), true)).isFalse();
        assertThat(NodeRetries.retryable(Status.CANCELLED.asRuntimeException(), true)).isFalse();
    }

    @Test
    void aDeadlineMovesOnAtOnceAndTriesEachNodeOnce() {
        StatusRuntimeException deadline = Status.DEADLINE_EXCEEDED.asRuntimeException();
        assertThat(retries.<String>withRetries(region, ch -> call(ch, 1, deadline))).isEqualTo("answered");
        assertThat(nodesTried).containsExactly(0, 1);
        nodesTried.clear();
        assertThatThrownBy(() -> retries.withRetries(region, ch -> call(ch, 3, deadline))).isSameAs(deadline);
        assertThat(nodesTried).as("two nodes, each tried once").hasSize(2);
        nodesTried.clear();
        assertThatThrownBy(() -> retries.withRetries(region, false, ch -> call(ch, 1, deadline))).isSameAs(deadline);
        assertThat(nodesTried).as("not idempotent: not retried").hasSize(1);
        nodesTried.clear();
        assertThatThrownBy(() -> retries.withRetries(region, true, false, ch -> call(ch, 1, deadline))).isSameAs(deadline);
        assertThat(nodesTried).as("a read another region can answer: on to that region").hasSize(1);
    }
}
