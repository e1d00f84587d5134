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
        // a secret made without a value: no versions, nothing sealed
        return ReplicatedChange.newBuilder().setSeq(seq).setSecretId(id)
                .setSecret(SecretRecord.newBuilder().setId(id).setName(name).setPrimaryRegion("nagoya"));
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
}
