package dev.kinko.server.replication;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kinko.proto.raft.v1.ApplyReplicationCommand;
import dev.kinko.proto.raft.v1.Command;
import dev.kinko.proto.raft.v1.ReplicaChange;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.VersionRecord;
import dev.kinko.server.api.ApiServer;
import dev.kinko.server.consensus.GroupCommitter;
import dev.kinko.server.domain.Limits;
import org.junit.jupiter.api.Test;

/** The replication limits fit inside each other: a batch, then a Raft command, then a gRPC message. */
class BatchLimitsTest {
    /** AES-GCM's nonce and tag around a value. */
    static final int AEAD_OVERHEAD = 12 + 16;

    @Test
    void aBatchFitsOneCommandAndOneMessage() {
        assertThat(Shipper.MAX_BATCH_BYTES).isLessThan(GroupCommitter.MAX_COMMAND_BYTES);
        assertThat(GroupCommitter.MAX_COMMAND_BYTES).isLessThan(ApiServer.MAX_INBOUND_MESSAGE_BYTES);
    }

    /** The largest change a secret within the limits makes, which the shipper sends alone. */
    @Test
    void theLargestSingleChangeFitsOneCommand() {
        SecretRecord.Builder secret = SecretRecord.newBuilder().setId("00000000-0000-4000-8000-000000000001")
                .setName("n".repeat(Limits.MAX_NAME_LENGTH)).setDescription("d".repeat(Limits.MAX_DESCRIPTION_LENGTH))
                .setPrimaryRegion("tokyo");
        for (int t = 0; t < Limits.MAX_TAGS; t++) {
            secret.putTags(String.format("%0" + Limits.MAX_TAG_KEY_LENGTH + "d", t), "v".repeat(Limits.MAX_TAG_VALUE_LENGTH));
        }
        ReplicaChange.Builder change = ReplicaChange.newBuilder().setSeq(1).setSecretId(secret.getId());
        for (int v = 0; v < Limits.MAX_VERSIONS; v++) {
            VersionRecord.Builder version = VersionRecord.newBuilder().setVersionId(String.format("%064d", v))
                    .setCreatedMillis(Long.MAX_VALUE).setOrdinal(Long.MAX_VALUE);
            for (int l = 0; l < Limits.MAX_LABELS_PER_VERSION; l++) {
                version.addStages(String.format("%0" + Limits.MAX_LABEL_LENGTH + "d", v * 100 + l));
            }
            secret.addVersions(version);
            change.putValues(version.getVersionId(), SealedValue.newBuilder().setKeyVersion(Integer.MAX_VALUE)
                    .setWrappedDataKey(ByteString.copyFrom(new byte[256]))
                    .setCiphertext(ByteString.copyFrom(new byte[Limits.MAX_VALUE_BYTES + AEAD_OVERHEAD])).build());
        }
        Command command = Command.newBuilder().setTimestampMillis(Long.MAX_VALUE).setRequestId("r".repeat(64))
                .setApplyReplication(ApplyReplicationCommand.newBuilder().setSourceRegion("tokyo")
                        .addChanges(change.setSecret(secret))).build();
        assertThat(command.getSerializedSize()).isLessThan(GroupCommitter.MAX_COMMAND_BYTES);
    }
}
