package dev.kinko.server.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.replication.v1.ApplyReplicationBatchRequest;
import dev.kinko.proto.replication.v1.ReplicatedChange;
import dev.kinko.proto.replication.v1.ReplicationServiceGrpc;
import dev.kinko.proto.v1.DescribeSecretRequest;
import dev.kinko.server.crypto.pki.IssuedCertificate;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.rpc.Statuses;
import dev.kinko.server.testing.Grpcs;
import dev.kinko.server.testing.TestPki;
import dev.kinko.server.testing.TestRegion;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real ReplicationService of a region, called as another region (its region certificate):
 * a batch that breaks a rule is refused whole with INVALID_REPLICATION_BATCH, applies nothing,
 * and the region goes on taking good batches and serving.
 */
class ReplicaReceiverTest {
    @TempDir
    static Path dir;
    static TestRegion osaka;
    static ManagedChannel asNagoya;

    @BeforeAll
    static void start() throws IOException {
        osaka = TestRegion.builder("osaka", dir).size(1).start();
        IssuedCertificate nagoya = TestPki.region("nagoya");
        asNagoya = io.grpc.Grpc.newChannelBuilder(osaka.config(0).peers().get(0).clientAddress(),
                TlsChannelCredentials.newBuilder().trustManager(TestPki.caFile().toFile())
                        .keyManager(nagoya.certificate().toFile(), nagoya.privateKey().toFile()).build()).build();
    }

    @AfterAll
    static void stop() {
        asNagoya.shutdownNow();
        osaka.close();
    }

    static ReplicatedChange.Builder secret(long seq, String id, String name) {
        return secret(seq, id, name, "nagoya");
    }

    static ReplicatedChange.Builder secret(long seq, String id, String name, String primary) {
        // a secret made without a value: no versions, nothing sealed
        return ReplicatedChange.newBuilder().setSeq(seq).setSecretId(id)
                .setSecret(SecretRecord.newBuilder().setId(id).setName(name).setPrimaryRegion(primary));
    }

    @Test
    void aBatchBreakingARuleIsRefusedWholeAndTheRegionGoesOn() {
        osaka.awaitLeader();
        ReplicationServiceGrpc.ReplicationServiceBlockingStub ship = ReplicationServiceGrpc.newBlockingStub(asNagoya)
                .withDeadlineAfter(30, TimeUnit.SECONDS);
        String good = "abcdef00-0000-4000-8000-000000000001";
        String tooLong = "n".repeat(Limits.MAX_NAME_LENGTH + 1);
        ApplyReplicationBatchRequest bad = ApplyReplicationBatchRequest.newBuilder().setSourceRegion("nagoya")
                .setEpoch(0).setFirstSeq(1).setLastSeq(2)
                .addChanges(secret(1, good, "shipped/ok"))
                .addChanges(secret(2, "abcdef00-0000-4000-8000-000000000002", tooLong)).build();
        Grpcs.assertRefused(() -> ship.applyReplicationBatch(bad), Status.Code.INVALID_ARGUMENT, "INVALID_REPLICATION_BATCH");
        assertThatThrownBy(() -> ship.applyReplicationBatch(bad)).satisfies(e -> {
            String message = ((StatusRuntimeException) e).getStatus().getDescription();
            assertThat(message).contains("change 1 (seq 2)").contains("a secret name must be").doesNotContain(tooLong);
            assertThat(Statuses.errorInfo(e).getMetadataMap()).containsEntry("change", "1").containsEntry("seq", "2");
        });
        // nothing of it was applied: not even the good change before the bad one
        DescribeSecretRequest describe = DescribeSecretRequest.newBuilder().setSecretId("shipped/ok").build();
        Grpcs.assertRefused(() -> osaka.secrets(0).describeSecret(describe), Status.Code.NOT_FOUND, "SECRET_NOT_FOUND");

        // the same region, with the good change alone: taken, and the secret is a replica from nagoya
        ApplyReplicationBatchRequest fixed = bad.toBuilder().setLastSeq(1).removeChanges(1).build();
        assertThat(ship.applyReplicationBatch(fixed).getAppliedSeq()).isEqualTo(1);
        assertThat(osaka.secrets(0).describeSecret(describe).getSecret().getPrimaryRegion()).isEqualTo("nagoya");
    }

    @Test
    void batchesThatOvertakeEachOtherOnTheWayAreAppliedInJournalOrder() throws Exception {
        osaka.awaitLeader();
        IssuedCertificate kyoto = TestPki.region("kyoto");
        ManagedChannel asKyoto = io.grpc.Grpc.newChannelBuilder(osaka.config(0).peers().get(0).clientAddress(),
                TlsChannelCredentials.newBuilder().trustManager(TestPki.caFile().toFile())
                        .keyManager(kyoto.certificate().toFile(), kyoto.privateKey().toFile()).build()).build();
        try {
            String first = "abcdef00-0000-4000-8000-00000000a001";
            String second = "abcdef00-0000-4000-8000-00000000a002";
            ApplyReplicationBatchRequest one = ApplyReplicationBatchRequest.newBuilder().setSourceRegion("kyoto")
                    .setFirstSeq(1).setLastSeq(2).addChanges(secret(2, first, "kyoto/first", "kyoto"))
                    .build();
            ApplyReplicationBatchRequest two = ApplyReplicationBatchRequest.newBuilder().setSourceRegion("kyoto")
                    .setFirstSeq(3).setLastSeq(4).setAfterUnanswered(true)
                    .addChanges(secret(4, second, "kyoto/second", "kyoto"))
                    .build();
            // the second batch arrives first, sent while the first is unanswered: it waits for the first
            var ship = ReplicationServiceGrpc.newFutureStub(asKyoto).withDeadlineAfter(30, TimeUnit.SECONDS);
            ReplicationServiceGrpc.newBlockingStub(asKyoto).withDeadlineAfter(30, TimeUnit.SECONDS) // connected first
                    .getRegionInfo(dev.kinko.proto.replication.v1.GetRegionInfoRequest.getDefaultInstance());
            var secondAnswer = ship.applyReplicationBatch(two);
            // not refused as a gap (it would be within milliseconds): it waits, well inside its 5 s
            assertThatThrownBy(() -> secondAnswer.get(1, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);
            var firstAnswer = ship.applyReplicationBatch(one);
            assertThat(secondAnswer.get(30, TimeUnit.SECONDS).getAppliedSeq()).isEqualTo(4);
            assertThat(firstAnswer.get(30, TimeUnit.SECONDS).getAppliedSeq()).isEqualTo(2);
            for (String name : java.util.List.of("kyoto/first", "kyoto/second")) {
                assertThat(osaka.secrets(0).describeSecret(DescribeSecretRequest.newBuilder().setSecretId(name).build())
                        .getSecret().getPrimaryRegion()).isEqualTo("kyoto");
            }

            // a batch whose predecessor never comes: refused as a gap once its wait is over, nothing applied
            var orphan = ship.applyReplicationBatch(ApplyReplicationBatchRequest.newBuilder().setSourceRegion("kyoto")
                    .setFirstSeq(10).setLastSeq(11).setAfterUnanswered(true).addChanges(
                    secret(11, "abcdef00-0000-4000-8000-00000000a011", "kyoto/orphan", "kyoto")).build());
            assertThatThrownBy(() -> orphan.get(30, TimeUnit.SECONDS)).cause().satisfies(e -> {
                assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                assertThat(Statuses.errorInfo(e).getReason()).isEqualTo("REPLICA_GAP");
                assertThat(Statuses.errorInfo(e).getMetadataMap()).containsEntry("applied_seq", "4");
            });
            Grpcs.assertRefused(() -> osaka.secrets(0).describeSecret(DescribeSecretRequest.newBuilder()
                    .setSecretId("kyoto/orphan").build()), Status.Code.NOT_FOUND, "SECRET_NOT_FOUND");
        } finally {
            asKyoto.shutdownNow();
        }
    }
}
