package dev.kinko.server.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kinko.server.api.ErrorMapper;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.rpc.Statuses;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.ConnectException;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.ReadException;
import org.apache.ratis.protocol.exceptions.ReadIndexException;
import org.apache.ratis.protocol.exceptions.ResourceUnavailableException;
import org.apache.ratis.protocol.exceptions.ServerNotReadyException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.Arguments;

/** The table of Ratis failures and the reason each one reaches a caller with (issue 10). */
class RaftErrorsTest {
    static final RaftGroupMemberId MEMBER = RaftGroupMemberId.valueOf(RaftPeerId.valueOf("tokyo-1"),
            RaftGroupId.randomId());
    static final org.apache.ratis.thirdparty.io.grpc.StatusRuntimeException REFUSED =
            org.apache.ratis.thirdparty.io.grpc.Status.UNAVAILABLE.withDescription("io exception")
                    .withCause(new ConnectException("Connection refused")).asRuntimeException();

    static List<Arguments> table() {
        RaftPeer leader = RaftPeer.newBuilder().setId("tokyo-2").setAddress("127.0.0.1:1").build();
        return List.of(
                Arguments.of(new NotLeaderException(MEMBER, leader, List.of(leader)), Reason.NOT_LEADER),
                Arguments.of(new LeaderSteppingDownException("stepping down"), Reason.NOT_LEADER),
                Arguments.of(new LeaderNotReadyException(MEMBER), Reason.NOT_READY),
                Arguments.of(new ServerNotReadyException("starting"), Reason.NOT_READY),
                Arguments.of(new AlreadyClosedException("closed"), Reason.NOT_READY),
                Arguments.of(new ResourceUnavailableException("pending requests full"), Reason.OVERLOADED),
                Arguments.of(new TimeoutIOException("timed out"), Reason.RAFT_TIMEOUT),
                // what a follower's read barrier met when the leader was killed (the harness's INTERNAL)
                Arguments.of(REFUSED, Reason.LEADER_UNREACHABLE),
                Arguments.of(new CompletionException(REFUSED), Reason.LEADER_UNREACHABLE),
                Arguments.of(new ReadIndexException("read index failed", REFUSED), Reason.LEADER_UNREACHABLE),
                Arguments.of(new ReadException(new CompletionException(REFUSED)), Reason.LEADER_UNREACHABLE),
                Arguments.of(new ReadException("no read index"), Reason.LEADER_UNREACHABLE),
                Arguments.of(new ReadException(new NotLeaderException(MEMBER, leader, List.of(leader))), Reason.NOT_LEADER),
                Arguments.of(new ReadIndexException("read index", new TimeoutIOException("timed out")), Reason.RAFT_TIMEOUT),
                Arguments.of(new ExecutionException(new LeaderNotReadyException(MEMBER)), Reason.NOT_READY),
                Arguments.of(new ConnectException("Connection refused"), Reason.LEADER_UNREACHABLE),
                Arguments.of(new IOException("the server is not running"), Reason.NOT_READY),
                Arguments.of(new RaftUnavailableException(Reason.NO_LEADER, "no leader"), Reason.NO_LEADER));
    }

    @ParameterizedTest
    @MethodSource("table")
    void transientRatisFailuresBecomeTheirReason(Throwable ratis, Reason expected) {
        Throwable mapped = RaftErrors.map(ratis);
        assertThat(mapped).isInstanceOf(RaftUnavailableException.class);
        assertThat(((RaftUnavailableException) mapped).reason()).isEqualTo(expected);
        // and the caller sees the reason in ErrorInfo, with the status code of its kind
        StatusRuntimeException status = ErrorMapper.toStatus(new CompletionException(RaftErrors.fromRatis(ratis) ? ratis : mapped));
        assertThat(Statuses.reasonOf(status)).isEqualTo(expected.name());
        assertThat(status.getStatus().getCode()).isIn(Status.Code.UNAVAILABLE, Status.Code.RESOURCE_EXHAUSTED);
    }

    @Test
    void aStateMachineThatFailedToApplyIsNotTransient() {
        StateMachineException failed = new StateMachineException(MEMBER, new IllegalStateException("apply failed"));
        assertThat(RaftErrors.map(new CompletionException(failed))).isSameAs(failed);
        assertThat(Statuses.reasonOf(ErrorMapper.toStatus(failed))).isEqualTo("INTERNAL");
        // also when Ratis wrapped it in a read failure
        assertThat(RaftErrors.map(new ReadException(failed))).isInstanceOf(ReadException.class);
    }

    @Test
    void aBugIsNotTransient() {
        IllegalStateException bug = new IllegalStateException("bug");
        assertThat(RaftErrors.map(new CompletionException(bug))).isSameAs(bug);
        assertThat(RaftErrors.fromRatis(bug)).isFalse();
        assertThat(RaftErrors.fromRatis(new CompletionException(REFUSED))).isTrue();
    }
}
