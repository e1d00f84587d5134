package dev.kinko.server.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kinko.proto.raft.v1.ApplyReplicationCommand;
import dev.kinko.proto.raft.v1.Command;
import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.ContinuePromotionCommand;
import dev.kinko.proto.raft.v1.ContinueRegionCopyCommand;
import dev.kinko.proto.raft.v1.CreateSecretCommand;
import dev.kinko.proto.raft.v1.NewVersion;
import dev.kinko.proto.raft.v1.PromoteRegionCommand;
import dev.kinko.proto.raft.v1.PutLinkCommand;
import dev.kinko.proto.raft.v1.ReplicaChange;
import dev.kinko.proto.raft.v1.ReplicateRegionCommand;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.VersionRecord;
import dev.kinko.server.storage.ScratchStorage;
import dev.kinko.server.storage.StorageBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Jobs over many secrets run in chunks of {@link Limits#CHUNK_SECRETS}, one command (one Raft
 * entry) each, and keep their progress in the state: promotion, region copy (failback) and a
 * re-seed's id ranges. Tested at the chunk size and one past it.
 */
class ChunkedJobsTest {
    static final long T0 = 1_700_000_000_000L;
    private ScratchStorage scratch;
    private StorageBatch state;

    @BeforeEach
    void open() {
        scratch = ScratchStorage.open();
        state = scratch.state();
    }

    @AfterEach
    void close() {
        scratch.close();
    }

    static String id(int n) {
        return new UUID(0x1000 + n, 0x8000_0000_0000_0000L).toString();
    }

    static Command cmd(Command.Builder b) {
        return b.setTimestampMillis(T0).build();
    }

    static SealedValue sealed(int n) {
        return SealedValue.newBuilder().setKeyVersion(1).setWrappedDataKey(ByteString.copyFromUtf8("k" + n))
                .setCiphertext(ByteString.copyFromUtf8("c" + n)).build();
    }

    static ReplicaChange replica(int n) {
        return ReplicaChange.newBuilder().setSeq(1).setSecretId(id(n)).setSecret(SecretRecord.newBuilder().setId(id(n))
                .setName("app/" + n).setPrimaryRegion("tokyo").addVersions(VersionRecord.newBuilder()
                        .setVersionId("v" + n).addStages(Stages.CURRENT))).putValues("v" + n, sealed(n)).build();
    }

    /** Osaka holds {@code count} replicas of tokyo's secrets. */
    private CommandApplier osakaWithReplicas(int count) {
        CommandApplier osaka = new CommandApplier("osaka");
        ApplyReplicationCommand.Builder shipped = ApplyReplicationCommand.newBuilder().setSourceRegion("tokyo")
                .setFirstSeq(1).setLastSeq(1);
        for (int i = 0; i < count; i++) {
            shipped.addChanges(replica(i));
        }
        assertThat(ok(osaka, cmd(Command.newBuilder().setApplyReplication(shipped))).getAppliedSeq()).isEqualTo(1);
        return osaka;
    }

    private CommandResult ok(CommandApplier applier, Command c) {
        CommandResult r = applier.apply(c, state);
        assertThat(r.getErrorReason()).as(r.getErrorMessage()).isEmpty();
        return r;
    }

    private long standalone(String region, int count) {
        long n = 0;
        for (int i = 0; i < count; i++) {
            n += state.header(id(i)).orElseThrow().getPrimaryRegion().equals(region) ? 1 : 0;
        }
        return n;
    }

    @Test
    void aPromotionOfOneChunkPastTheLimitTakesTwoEntries() {
        int count = Limits.CHUNK_SECRETS + 1;
        CommandApplier osaka = osakaWithReplicas(count);

        CommandResult first = ok(osaka, cmd(Command.newBuilder().setPromoteRegion(PromoteRegionCommand.getDefaultInstance())));
        assertThat(first.getMore()).isTrue();
        assertThat(first.getCount()).isEqualTo(Limits.CHUNK_SECRETS);
        assertThat(state.promotion()).isPresent();
        assertThat(state.source("tokyo").orElseThrow().getPromoted()).as("fenced at once").isTrue();
        assertThat(standalone("osaka", count)).isEqualTo(Limits.CHUNK_SECRETS);

        CommandResult second = ok(osaka, cmd(Command.newBuilder().setContinuePromotion(ContinuePromotionCommand.getDefaultInstance())));
        assertThat(second.getMore()).isFalse();
        assertThat(second.getCount()).isEqualTo(count);
        assertThat(state.promotion()).isEmpty();
        assertThat(standalone("osaka", count)).isEqualTo(count);
        assertThat(state.primaryRegions()).containsExactly("osaka");

        var done = scratch.dump();
        assertThat(ok(osaka, cmd(Command.newBuilder().setContinuePromotion(ContinuePromotionCommand.getDefaultInstance())))
                .getMore()).isFalse();
        assertThat(scratch.dump()).as("a late continuation changes nothing").isEqualTo(done);
        assertThat(osaka.apply(cmd(Command.newBuilder().setPromoteRegion(PromoteRegionCommand.getDefaultInstance())), state)
                .getErrorReason()).isEqualTo(Reason.NOT_A_REPLICA_REGION.name());
    }

    @Test
    void aPromotionOfExactlyOneChunkEndsWithAnEmptyContinuation() {
        CommandApplier osaka = osakaWithReplicas(Limits.CHUNK_SECRETS);
        CommandResult first = ok(osaka, cmd(Command.newBuilder().setPromoteRegion(PromoteRegionCommand.getDefaultInstance())));
        assertThat(first.getCount()).isEqualTo(Limits.CHUNK_SECRETS);
        CommandResult second = ok(osaka, cmd(Command.newBuilder().setContinuePromotion(ContinuePromotionCommand.getDefaultInstance())));
        assertThat(second.getMore()).isFalse();
        assertThat(second.getCount()).isEqualTo(Limits.CHUNK_SECRETS);
        assertThat(state.promotion()).isEmpty();
    }

    @Test
    void promotingAgainWhileOneRunsGoesOnWithIt() {
        int count = 2 * Limits.CHUNK_SECRETS + 1;
        CommandApplier osaka = osakaWithReplicas(count);
        ok(osaka, cmd(Command.newBuilder().setPromoteRegion(PromoteRegionCommand.getDefaultInstance())));
        long epoch = state.source("tokyo").orElseThrow().getEpoch();
        CommandResult again = ok(osaka, cmd(Command.newBuilder().setPromoteRegion(PromoteRegionCommand.getDefaultInstance())));
        assertThat(again.getCount()).isEqualTo(2L * Limits.CHUNK_SECRETS);
        assertThat(state.source("tokyo").orElseThrow().getEpoch()).as("not fenced twice").isEqualTo(epoch);
    }

    @Test
    void aRegionCopyOfOneChunkPastTheLimitTakesTwoEntriesAndJournalsEverySecret() {
        CommandApplier tokyo = new CommandApplier("tokyo");
        ok(tokyo, cmd(Command.newBuilder().setPutLink(PutLinkCommand.newBuilder().setRegion("osaka"))));
        int count = Limits.CHUNK_SECRETS + 1;
        for (int i = 0; i < count; i++) {
            ok(tokyo, cmd(Command.newBuilder().setCreateSecret(CreateSecretCommand.newBuilder().setSecretId(id(i))
                    .setName("app/" + i).setVersion(NewVersion.newBuilder().setVersionId("v" + i).setValue(sealed(i))))));
        }
        long head = state.journalHead();

        CommandResult first = ok(tokyo, cmd(Command.newBuilder().setReplicateRegion(ReplicateRegionCommand.newBuilder()
                .setRegion("osaka"))));
        assertThat(first.getMore()).isTrue();
        assertThat(first.getCount()).isEqualTo(Limits.CHUNK_SECRETS);
        assertThat(state.link("osaka").orElseThrow().getRegionCopyPending()).isTrue();

        CommandResult second = ok(tokyo, cmd(Command.newBuilder().setContinueRegionCopy(ContinueRegionCopyCommand
                .newBuilder().setRegion("osaka"))));
        assertThat(second.getMore()).isFalse();
        assertThat(second.getCount()).as("the running total, kept in the link").isEqualTo(count);
        assertThat(state.link("osaka").orElseThrow().getRegionCopyPending()).isFalse();
        assertThat(state.journalHead() - head).isEqualTo(count);
        List<String> replicated = new ArrayList<>();
        String after = "";
        while (true) {
            List<String> page = state.secretsReplicatedTo("osaka", after, 300);
            if (page.isEmpty()) {
                break;
            }
            replicated.addAll(page);
            after = page.get(page.size() - 1);
        }
        assertThat(replicated).hasSize(count).doesNotHaveDuplicates();
        assertThat(state.secretById(id(0)).orElseThrow().getReplicasList()).extracting(r -> r.getRegion())
                .containsExactly("osaka");
    }

    @Test
    void aReseedBatchDropsOnlyTheReplicasOfItsOwnIdRange() {
        CommandApplier osaka = osakaWithReplicas(4); // ids 0 < 1 < 2 < 3 in key order
        // the first batch covers ids up to 1 and carries 0 only: 1 is no longer replicated here
        ok(osaka, cmd(Command.newBuilder().setApplyReplication(ApplyReplicationCommand.newBuilder()
                .setSourceRegion("tokyo").setReseed(true).setLastSeq(5).setReseedThroughId(id(1))
                .addChanges(replica(0).toBuilder().setSeq(5)))));
        assertThat(state.header(id(1)).orElseThrow().getPrimaryRegion()).isEqualTo("osaka");
        assertThat(state.header(id(0)).orElseThrow().getPrimaryRegion()).isEqualTo("tokyo");
        assertThat(state.header(id(2)).orElseThrow().getPrimaryRegion()).as("outside the range").isEqualTo("tokyo");
        // the last batch covers everything after 1 and carries 3: 2 goes
        ok(osaka, cmd(Command.newBuilder().setApplyReplication(ApplyReplicationCommand.newBuilder()
                .setSourceRegion("tokyo").setReseed(true).setReseedComplete(true).setLastSeq(5)
                .setReseedAfterId(id(1)).addChanges(replica(3).toBuilder().setSeq(5)))));
        assertThat(state.header(id(2)).orElseThrow().getPrimaryRegion()).isEqualTo("osaka");
        assertThat(state.header(id(3)).orElseThrow().getPrimaryRegion()).isEqualTo("tokyo");
        assertThat(state.source("tokyo").orElseThrow().getAppliedSeq()).isEqualTo(5);
    }
}
