package dev.kinko.server.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kinko.proto.raft.v1.AddRegionKeyCommand;
import dev.kinko.proto.raft.v1.AddTransportKeyCommand;
import dev.kinko.proto.raft.v1.ApplyAccessSyncCommand;
import dev.kinko.proto.raft.v1.ApplyReplicationCommand;
import dev.kinko.proto.raft.v1.Command;
import dev.kinko.proto.raft.v1.ContinuePromotionCommand;
import dev.kinko.proto.raft.v1.CreateSecretCommand;
import dev.kinko.proto.raft.v1.DeletePolicyCommand;
import dev.kinko.proto.raft.v1.ForceDeleteCommand;
import dev.kinko.proto.raft.v1.ForgetRequestsCommand;
import dev.kinko.proto.raft.v1.NewVersion;
import dev.kinko.proto.raft.v1.PolicyRecord;
import dev.kinko.proto.raft.v1.PromoteRegionCommand;
import dev.kinko.proto.raft.v1.PurgeSecretCommand;
import dev.kinko.proto.raft.v1.PutLinkCommand;
import dev.kinko.proto.raft.v1.PutPolicyCommand;
import dev.kinko.proto.raft.v1.PutTokenCommand;
import dev.kinko.proto.raft.v1.PutValueCommand;
import dev.kinko.proto.raft.v1.RegionKeyRecord;
import dev.kinko.proto.raft.v1.RemoveReplicaRegionsCommand;
import dev.kinko.proto.raft.v1.ReplicaChange;
import dev.kinko.proto.raft.v1.ReplicaOutcome;
import dev.kinko.proto.raft.v1.ReplicaOutcomesCommand;
import dev.kinko.proto.raft.v1.ReplicateRegionCommand;
import dev.kinko.proto.raft.v1.RestoreSecretCommand;
import dev.kinko.proto.raft.v1.RevokeTokenCommand;
import dev.kinko.proto.raft.v1.RewrapDataKeyCommand;
import dev.kinko.proto.raft.v1.ScheduleDeletionCommand;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.StopReplicationCommand;
import dev.kinko.proto.raft.v1.TagResourceCommand;
import dev.kinko.proto.raft.v1.TokenRecord;
import dev.kinko.proto.raft.v1.TransportKeyRecord;
import dev.kinko.proto.raft.v1.TruncateJournalCommand;
import dev.kinko.proto.raft.v1.UpdateLinkCommand;
import dev.kinko.proto.raft.v1.UpdateVersionStageCommand;
import dev.kinko.proto.raft.v1.VersionRecord;
import dev.kinko.server.storage.ScratchStorage;
import dev.kinko.server.storage.StorageDump;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A handler's check reads and never writes: for commands of a primary and a replica region,
 * accepted and refused, the state is byte for byte the same after check; then the whole
 * command is applied, so the next check sees a realistic state.
 */
class CheckWritesNothingTest {
    private static final String ID = "00000000-0000-4000-8000-000000000001";
    private static final String OTHER = "00000000-0000-4000-8000-000000000002";
    private static final String SHIPPED = "00000000-0000-4000-8000-000000000003";
    private static final long T0 = 1_700_000_000_000L;
    private static final long DAY = 86_400_000L;

    private final Set<Command.OpCase> checked = EnumSet.noneOf(Command.OpCase.class);
    private final Set<Command.OpCase> wrote = EnumSet.noneOf(Command.OpCase.class);

    private static SealedValue sealed(String marker) {
        return SealedValue.newBuilder().setKeyVersion(1).setWrappedDataKey(ByteString.copyFromUtf8("wrapped-" + marker))
                .setCiphertext(ByteString.copyFromUtf8("cipher-" + marker)).build();
    }

    private static NewVersion version(String versionId) {
        return NewVersion.newBuilder().setVersionId(versionId).setValue(sealed(versionId)).build();
    }

    private static Command.Builder at(long t) {
        return Command.newBuilder().setTimestampMillis(t);
    }

    /** Checks the command alone (the dump must not move), then applies it whole. */
    private void checkThenApply(CommandApplier applier, ScratchStorage scratch, Command command) {
        var before = scratch.dump();
        try {
            applier.registered(command.getOpCase()).check(command, scratch.state());
        } catch (KinkoException refused) {
            // a refusal is a check's other answer; it must leave nothing either
        }
        var after = scratch.dump();
        assertThat(after).withFailMessage(() -> "check of " + command.getOpCase() + " wrote:\n"
                + StorageDump.diff(before, after)).isEqualTo(before);
        checked.add(command.getOpCase());
        applier.apply(command, scratch.state());
        if (!scratch.dump().equals(before)) {
            wrote.add(command.getOpCase());
        }
    }

    @Test
    void checkWritesNothingInAPrimaryRegion() {
        CommandApplier tokyo = new CommandApplier("tokyo");
        try (ScratchStorage scratch = ScratchStorage.open()) {
            List<Command> commands = List.of(
                    at(T0).setAddRegionKey(AddRegionKeyCommand.newBuilder().setKey(RegionKeyRecord.newBuilder().setVersion(1))).build(),
                    at(T0).setAddTransportKey(AddTransportKeyCommand.newBuilder()
                            .setKey(TransportKeyRecord.newBuilder().setVersion(1))).build(),
                    at(T0).setPutLink(PutLinkCommand.newBuilder().setRegion("osaka").addAddresses("osaka-1:8101")).build(),
                    at(T0).setRequestId("r1").setCreateSecret(CreateSecretCommand.newBuilder().setSecretId(ID).setName("db")
                            .setVersion(version("v1")).addReplicaRegions("osaka")).build(),
                    at(T0 + 1).setCreateSecret(CreateSecretCommand.newBuilder().setSecretId(OTHER).setName("db")).build(),
                    at(T0 + 1).setCreateSecret(CreateSecretCommand.newBuilder().setSecretId(OTHER).setName("api")
                            .addReplicaRegions("nagoya")).build(),
                    at(T0 + 2).setPutValue(PutValueCommand.newBuilder().setSecretId(ID).setVersion(version("v2"))).build(),
                    at(T0 + 3).setUpdateVersionStage(UpdateVersionStageCommand.newBuilder().setSecretId(ID)
                            .setStage(Stages.CURRENT).setRemoveFromVersionId("v2").setMoveToVersionId("v1")).build(),
                    at(T0 + 4).setTagResource(TagResourceCommand.newBuilder().setSecretId(ID).putTags("team", "db")).build(),
                    at(T0 + 5).setAddRegionKey(AddRegionKeyCommand.newBuilder().setKey(RegionKeyRecord.newBuilder().setVersion(2))).build(),
                    at(T0 + 5).setRewrapDataKey(RewrapDataKeyCommand.newBuilder().setSecretId(ID).setVersionId("v1")
                            .setFromKeyVersion(1).setKeyVersion(2).setWrappedDataKey(ByteString.copyFromUtf8("re"))).build(),
                    at(T0 + 6).setUpdateLink(UpdateLinkCommand.newBuilder().setRegion("osaka").setWatermark(2)).build(),
                    at(T0 + 6).setReplicaOutcomes(ReplicaOutcomesCommand.newBuilder().setRegion("osaka").addOutcomes(
                            ReplicaOutcome.newBuilder().setSecretId(ID).setSeq(9).setFailureMessage("taken"))).build(),
                    at(T0 + 6).setTruncateJournal(TruncateJournalCommand.newBuilder().setUpTo(2)).build(),
                    at(T0 + 7).setForceDelete(ForceDeleteCommand.newBuilder().setSecretId(ID)).build(), // has replicas
                    at(T0 + 7).setRemoveReplicaRegions(RemoveReplicaRegionsCommand.newBuilder().setSecretId(ID)
                            .addRegions("osaka")).build(),
                    at(T0 + 8).setCreateSecret(CreateSecretCommand.newBuilder().setSecretId(OTHER).setName("api")).build(),
                    at(T0 + 8).setReplicateRegion(ReplicateRegionCommand.newBuilder().setRegion("osaka")
                            .setForceOverwrite(true)).build(),
                    at(T0 + 9).setScheduleDeletion(ScheduleDeletionCommand.newBuilder().setSecretId(OTHER)
                            .setRecoveryWindowDays(7)).build(),
                    at(T0 + 10).setRestoreSecret(RestoreSecretCommand.newBuilder().setSecretId(OTHER)).build(),
                    at(T0 + 11).setPurgeSecret(PurgeSecretCommand.newBuilder().setSecretId(OTHER)).build(),
                    at(T0 + 12).setPutPolicy(PutPolicyCommand.newBuilder().setPolicy(PolicyRecord.newBuilder()
                            .setName("app").setDocument("{}"))).build(),
                    at(T0 + 12).setPutToken(PutTokenCommand.newBuilder().setBootstrapRoot(true).setToken(TokenRecord
                            .newBuilder().setAccessor("root").setRoot(true))).build(),
                    at(T0 + 12).setPutToken(PutTokenCommand.newBuilder().setBootstrapRoot(true).setToken(TokenRecord
                            .newBuilder().setAccessor("root2").setRoot(true))).build(),
                    at(T0 + 13).setRevokeToken(RevokeTokenCommand.newBuilder().setAccessor("root")).build(),
                    at(T0 + 13).setDeletePolicy(DeletePolicyCommand.newBuilder().setName("app")).build(),
                    at(T0 + DAY).setForgetRequests(ForgetRequestsCommand.newBuilder().setAppliedBeforeMillis(T0 + DAY)).build());
            commands.forEach(c -> checkThenApply(tokyo, scratch, c));
        }
        assertThat(wrote).as("the commands were not all no-ops").contains(Command.OpCase.CREATE_SECRET,
                Command.OpCase.PUT_VALUE, Command.OpCase.REPLICATE_REGION, Command.OpCase.FORGET_REQUESTS);
    }

    @Test
    void checkWritesNothingInAReplicaRegion() {
        CommandApplier osaka = new CommandApplier("osaka");
        SecretRecord shipped = SecretRecord.newBuilder().setId(SHIPPED).setName("db").setPrimaryRegion("tokyo")
                .addVersions(VersionRecord.newBuilder().setVersionId("v1").addStages(Stages.CURRENT)).build();
        try (ScratchStorage scratch = ScratchStorage.open()) {
            List<Command> commands = List.of(
                    at(T0).setApplyReplication(ApplyReplicationCommand.newBuilder().setSourceRegion("tokyo")
                            .setFirstSeq(1).setLastSeq(2)
                            .addChanges(ReplicaChange.newBuilder().setSeq(1).setSecretId(ID)
                                    .setSecret(shipped.toBuilder().setId(ID)).putValues("v1", sealed("v1")))
                            .addChanges(ReplicaChange.newBuilder().setSeq(2).setSecretId(SHIPPED)
                                    .setSecret(shipped.toBuilder().setName("api")).putValues("v1", sealed("v1")))).build(),
                    at(T0).setApplyReplication(ApplyReplicationCommand.newBuilder().setSourceRegion("tokyo")
                            .setFirstSeq(9).setLastSeq(9)).build(), // a gap: refused
                    at(T0 + 1).setApplyAccessSync(ApplyAccessSyncCommand.newBuilder().setSourceRegion("tokyo")
                            .setAccessVersion(1).addPolicies(PolicyRecord.newBuilder().setName("app").setDocument("{}"))
                            .addTokens(TokenRecord.newBuilder().setAccessor("t1").addPolicies("app"))).build(),
                    at(T0 + 2).setPutValue(PutValueCommand.newBuilder().setSecretId(ID).setVersion(version("v2"))).build(),
                    at(T0 + 2).setStopReplication(StopReplicationCommand.newBuilder().setSecretId(ID)).build(),
                    at(T0 + 3).setPromoteRegion(PromoteRegionCommand.getDefaultInstance()).build(),
                    at(T0 + 3).setContinuePromotion(ContinuePromotionCommand.getDefaultInstance()).build(),
                    at(T0 + 4).setApplyReplication(ApplyReplicationCommand.newBuilder().setSourceRegion("tokyo")
                            .setFirstSeq(3).setLastSeq(3)).build(), // fenced: refused
                    at(T0 + 4).setPromoteRegion(PromoteRegionCommand.getDefaultInstance()).build());
            commands.forEach(c -> checkThenApply(osaka, scratch, c));
        }
        assertThat(wrote).contains(Command.OpCase.APPLY_REPLICATION, Command.OpCase.APPLY_ACCESS_SYNC,
                Command.OpCase.STOP_REPLICATION, Command.OpCase.PROMOTE_REGION);
    }
}
