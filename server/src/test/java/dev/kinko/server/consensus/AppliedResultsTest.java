package dev.kinko.server.consensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.kinko.proto.raft.v1.BatchResult;
import dev.kinko.proto.raft.v1.CommandResult;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

class AppliedResultsTest {
    private static final BatchResult RESULTS = BatchResult.newBuilder()
            .addResults(CommandResult.newBuilder().setSecretId("s1").setVersionId("v1").addVersionStages("AWSCURRENT"))
            .addResults(CommandResult.newBuilder().setErrorReason("SECRET_NOT_FOUND").setErrorMessage("no secret s2"))
            .build();

    @Test
    void theLeaderTakesTheResultsItAppliedWithoutEncodingThem() throws Exception {
        AppliedResults applied = new AppliedResults(RESULTS);

        assertThat(AppliedResults.of(applied)).isSameAs(RESULTS);
    }

    @Test
    void aReplyThatTravelledCarriesTheSameResults() throws Exception {
        ByteString sent = new AppliedResults(RESULTS).getContent();

        assertThat(sent.toByteArray()).isEqualTo(RESULTS.toByteArray());
        assertThat(AppliedResults.of(Message.valueOf(sent))).isEqualTo(RESULTS);
        assertThat(AppliedResults.of(Message.EMPTY)).isEqualTo(BatchResult.getDefaultInstance());
    }

    @Test
    void aReplyThatDoesNotParseIsAnError() {
        assertThatThrownBy(() -> AppliedResults.of(Message.valueOf(ByteString.copyFrom(new byte[] {(byte) 0xff}))))
                .isInstanceOf(InvalidProtocolBufferException.class);
    }
}
