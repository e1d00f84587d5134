package dev.kinko.server.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kinko.proto.raft.v1.AddRegionKeyCommand;
import dev.kinko.proto.raft.v1.Command;
import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.CreateSecretCommand;
import dev.kinko.proto.raft.v1.ForceDeleteCommand;
import dev.kinko.proto.raft.v1.NewVersion;
import dev.kinko.proto.raft.v1.PurgeSecretCommand;
import dev.kinko.proto.raft.v1.PutValueCommand;
import dev.kinko.proto.raft.v1.RegionKeyRecord;
import dev.kinko.proto.raft.v1.RestoreSecretCommand;
import dev.kinko.proto.raft.v1.RewrapDataKeyCommand;
import dev.kinko.proto.raft.v1.ScheduleDeletionCommand;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.TagResourceCommand;
import dev.kinko.proto.raft.v1.UntagResourceCommand;
import dev.kinko.proto.raft.v1.UpdateDescriptionCommand;
import dev.kinko.proto.raft.v1.UpdateVersionStageCommand;
import dev.kinko.proto.raft.v1.VersionRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import dev.kinko.server.storage.ScratchStorage;
import dev.kinko.server.storage.StorageBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class CommandApplierTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long DAY = 86_400_000L;
    private static final String ID = "00000000-0000-4000-8000-000000000001";
    private static final String NAME = "prod/db/password";

    private final CommandApplier applier = new CommandApplier("tokyo");
    private ScratchStorage scratch;
    private StorageBatch state;

    @BeforeEach
    void freshState() {
        scratch = ScratchStorage.open();
        state = scratch.state();
    }

    @AfterEach
    void closeState() {
        scratch.close();
    }

    // --- command builders ---------------------------------------------------------------

    private static SealedValue sealed(String marker) {
        return SealedValue.newBuilder().setKeyVersion(1)
                .setWrappedDataKey(ByteString.copyFromUtf8("wrapped-" + marker))
                .setCiphertext(ByteString.copyFromUtf8("cipher-" + marker)).build();
    }

    private static NewVersion version(String versionId, String... stages) {
        return NewVersion.newBuilder().setVersionId(versionId).setValue(sealed(versionId))
                .addAllStages(List.of(stages)).build();
    }

    private static Command create(long t, String id, String name, NewVersion version) {
        CreateSecretCommand.Builder c = CreateSecretCommand.newBuilder().setSecretId(id).setName(name)
                .setDescription("the db password").putTags("team", "db");
        if (version != null) {
            c.setVersion(version);
        }
        return Command.newBuilder().setTimestampMillis(t).setCreateSecret(c).build();
    }

    private static Command put(long t, String versionId, String... stages) {
        return Command.newBuilder().setTimestampMillis(t).setPutValue(PutValueCommand.newBuilder()
                .setSecretId(ID).setVersion(version(versionId, stages))).build();
    }

    private static Command stage(String label, String removeFrom, String moveTo) {
        return Command.newBuilder().setTimestampMillis(T0 + 5).setUpdateVersionStage(UpdateVersionStageCommand.newBuilder()
                .setSecretId(ID).setStage(label).setRemoveFromVersionId(removeFrom).setMoveToVersionId(moveTo)).build();
    }

    private static Command schedule(long t, int days) {
        return Command.newBuilder().setTimestampMillis(t).setScheduleDeletion(ScheduleDeletionCommand.newBuilder()
                .setSecretId(ID).setRecoveryWindowDays(days)).build();
    }

    private static Command restore(long t) {
        return Command.newBuilder().setTimestampMillis(t)
                .setRestoreSecret(RestoreSecretCommand.newBuilder().setSecretId(ID)).build();
    }

    private static Command forceDelete(long t) {
        return Command.newBuilder().setTimestampMillis(t)
                .setForceDelete(ForceDeleteCommand.newBuilder().setSecretId(ID)).build();
    }

    private static Command purge(long t) {
        return Command.newBuilder().setTimestampMillis(t)
                .setPurgeSecret(PurgeSecretCommand.newBuilder().setSecretId(ID)).build();
    }

    private static Command tag(Map<String, String> tags) {
        return Command.newBuilder().setTimestampMillis(T0 + 7)
                .setTagResource(TagResourceCommand.newBuilder().setSecretId(ID).putAllTags(tags)).build();
    }

    private static Command untag(String... keys) {
        return Command.newBuilder().setTimestampMillis(T0 + 8)
                .setUntagResource(UntagResourceCommand.newBuilder().setSecretId(ID).addAllKeys(List.of(keys))).build();
    }

    private static Command describe(String description) {
        return Command.newBuilder().setTimestampMillis(T0 + 9).setUpdateDescription(UpdateDescriptionCommand
                .newBuilder().setSecretId(ID).setDescription(description)).build();
    }

    private static Command addKey(int version) {
        return Command.newBuilder().setTimestampMillis(T0).setAddRegionKey(AddRegionKeyCommand.newBuilder()
                .setKey(RegionKeyRecord.newBuilder().setVersion(version)
                        .setWrappedKey(ByteString.copyFromUtf8("region-key-" + version)).setCreatedMillis(T0))).build();
    }

    private static Command rewrap(String versionId, int from, int to) {
        return Command.newBuilder().setTimestampMillis(T0).setRewrapDataKey(RewrapDataKeyCommand.newBuilder()
                .setSecretId(ID).setVersionId(versionId).setFromKeyVersion(from).setKeyVersion(to)
                .setWrappedDataKey(ByteString.copyFromUtf8("rewrapped-" + to))).build();
    }

    // --- helpers ------------------------------------------------------------------------

    private CommandResult apply(Command command) {
        return applier.apply(command, state);
    }

    private CommandResult ok(Command command) {
        CommandResult r = apply(command);
        assertThat(r.getErrorReason()).as("refused: %s", r.getErrorMessage()).isEmpty();
        return r;
    }

    /** Asserts the refusal and that it changed nothing. */
    private CommandResult refused(Command command, Reason reason) {
        var before = scratch.dump();
        CommandResult r = apply(command);
        assertThat(r.getErrorReason()).isEqualTo(reason.name());
        assertThat(r.getErrorMessage()).isNotBlank();
        assertThat(scratch.dump()).as("a refused command changes nothing").isEqualTo(before);
        return r;
    }

    private SecretRecord secret() {
        return state.secretById(ID).orElseThrow();
    }

    /** version id -> stages, in stored order. */
    private Map<String, List<String>> stages() {
        Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        secret().getVersionsList().forEach(v -> out.put(v.getVersionId(), v.getStagesList()));
        return out;
    }

    private List<String> stagesOf(String versionId) {
        return secret().getVersionsList().stream().filter(v -> v.getVersionId().equals(versionId))
                .findFirst().map(VersionRecord::getStagesList).orElseThrow();
    }

    // --- tests --------------------------------------------------------------------------

    @Nested
    class Create {
        @Test
        void withoutVersionStoresTheRecordAndIndexesTheName() {
            CommandResult r = ok(create(T0, ID, NAME, null));

            assertThat(r.getSecretId()).isEqualTo(ID);
            assertThat(r.getName()).isEqualTo(NAME);
            assertThat(r.getVersionId()).isEmpty();
            assertThat(state.idByName(NAME)).contains(ID);
            SecretRecord s = secret();
            assertThat(s.getVersionsList()).isEmpty();
            assertThat(s.getDescription()).isEqualTo("the db password");
            assertThat(s.getTagsMap()).containsExactly(Map.entry("team", "db"));
            assertThat(s.getCreatedMillis()).isEqualTo(T0);
            assertThat(s.getLastChangedMillis()).isEqualTo(T0);
            assertThat(s.getPrimaryRegion()).isEqualTo("tokyo");
            assertThat(scratch.valueCount()).isZero();
        }

        @Test
        void withVersionMakesItCurrentAndStoresTheValue() {
            CommandResult r = ok(create(T0, ID, NAME, version("v1")));

            assertThat(r.getVersionId()).isEqualTo("v1");
            assertThat(r.getVersionStagesList()).containsExactly(Stages.CURRENT);
            assertThat(r.getVersionExisted()).isFalse();
            assertThat(stages()).containsExactly(Map.entry("v1", List.of(Stages.CURRENT)));
            assertThat(secret().getVersions(0).getCreatedMillis()).isEqualTo(T0);
            assertThat(state.value(ID, "v1")).contains(sealed("v1"));
        }

        @Test
        void existingNameIsRefused() {
            ok(create(T0, ID, NAME, version("v1")));

            CommandResult r = refused(create(T0 + 1, "00000000-0000-4000-8000-000000000002", NAME, version("v2")), Reason.SECRET_EXISTS);
            assertThat(r.getErrorMessage()).doesNotContain("scheduled");
            assertThat(state.secretById("00000000-0000-4000-8000-000000000002")).isEmpty();
        }

        @Test
        void existingNameScheduledForDeletionSaysSo() {
            ok(create(T0, ID, NAME, null));
            ok(schedule(T0 + 1, 7));

            CommandResult r = refused(create(T0 + 2, "00000000-0000-4000-8000-000000000002", NAME, null), Reason.SECRET_EXISTS);
            assertThat(r.getErrorMessage()).contains("scheduled for deletion");
        }

        @Test
        void sameVersionIdIsReportedAsExisting() {
            ok(create(T0, ID, NAME, version("v1")));
            var before = scratch.dump();

            CommandResult r = ok(create(T0 + 1, "00000000-0000-4000-8000-000000000002", NAME, version("v1")));

            assertThat(r.getVersionExisted()).isTrue();
            assertThat(r.getSecretId()).isEqualTo(ID);
            assertThat(r.getVersionId()).isEqualTo("v1");
            assertThat(scratch.dump()).isEqualTo(before);
        }
    }

    @Nested
    class PutValue {
        @BeforeEach
        void created() {
            ok(create(T0, ID, NAME, version("v1")));
        }

        @Test
        void currentMovesAndFormerCurrentBecomesPrevious() {
            CommandResult r = ok(put(T0 + 1, "v2"));

            assertThat(r.getVersionStagesList()).containsExactly(Stages.CURRENT);
            assertThat(stages()).containsExactly(
                    Map.entry("v1", List.of(Stages.PREVIOUS)),
                    Map.entry("v2", List.of(Stages.CURRENT)));
            assertThat(secret().getLastChangedMillis()).isEqualTo(T0 + 1);
        }

        @Test
        void formerPreviousLosesItsLabelAndStays() {
            ok(put(T0 + 1, "v2"));
            ok(put(T0 + 2, "v3"));

            assertThat(stages()).containsExactly(
                    Map.entry("v1", List.of()),
                    Map.entry("v2", List.of(Stages.PREVIOUS)),
                    Map.entry("v3", List.of(Stages.CURRENT)));
            assertThat(state.value(ID, "v1")).contains(sealed("v1"));
            assertThat(state.value(ID, "v3")).contains(sealed("v3"));
        }

        @Test
        void pendingOnlyLeavesCurrentWhereItIs() {
            CommandResult r = ok(put(T0 + 1, "v2", Stages.PENDING));

            assertThat(r.getVersionStagesList()).containsExactly(Stages.PENDING);
            assertThat(stages()).containsExactly(
                    Map.entry("v1", List.of(Stages.CURRENT)),
                    Map.entry("v2", List.of(Stages.PENDING)));
        }

        @Test
        void explicitLabelIsTakenFromItsFormerHolder() {
            ok(put(T0 + 1, "v2", "blue"));
            ok(put(T0 + 2, "v3", "blue", "green"));

            assertThat(stagesOf("v2")).isEmpty();
            assertThat(stagesOf("v3")).containsExactly("blue", "green");
            assertThat(stagesOf("v1")).containsExactly(Stages.CURRENT);
        }

        @Test
        void sameVersionIdIsReportedAsExisting() {
            ok(put(T0 + 1, "v2"));
            var before = scratch.dump();

            CommandResult r = ok(put(T0 + 2, "v2"));

            assertThat(r.getVersionExisted()).isTrue();
            assertThat(r.getVersionId()).isEqualTo("v2");
            assertThat(scratch.dump()).isEqualTo(before);
        }

        @Test
        void descriptionChangesWithTheValue() {
            ok(Command.newBuilder().setTimestampMillis(T0 + 1).setPutValue(PutValueCommand.newBuilder()
                    .setSecretId(ID).setVersion(version("v2")).setDescription("rotated")).build());

            assertThat(secret().getDescription()).isEqualTo("rotated");
        }

        @Test
        void unknownSecretIsRefused() {
            refused(Command.newBuilder().setTimestampMillis(T0).setPutValue(PutValueCommand.newBuilder()
                    .setSecretId("nope").setVersion(version("v9"))).build(), Reason.SECRET_NOT_FOUND);
        }

        @Test
        void secretScheduledForDeletionIsRefused() {
            ok(schedule(T0 + 1, 7));
            refused(put(T0 + 2, "v2"), Reason.SCHEDULED_FOR_DELETION);
        }

        @Test
        void hundredAndFirstVersionPrunesTheOldestDeprecatedVersion() {
            for (int i = 2; i <= Limits.MAX_VERSIONS; i++) {
                ok(put(T0 + i, "v" + i));
            }
            assertThat(secret().getVersionsCount()).isEqualTo(Limits.MAX_VERSIONS);
            assertThat(state.value(ID, "v1")).isPresent();

            ok(put(T0 + 101, "v101"));

            SecretRecord s = secret();
            assertThat(s.getVersionsCount()).isEqualTo(Limits.MAX_VERSIONS);
            assertThat(s.getVersions(0).getVersionId()).isEqualTo("v2");
            assertThat(s.getVersions(Limits.MAX_VERSIONS - 1).getVersionId()).isEqualTo("v101");
            assertThat(state.value(ID, "v1")).as("the pruned version's value is removed").isEmpty();
            assertThat(state.value(ID, "v2")).isPresent();
            assertThat(scratch.valueCount()).isEqualTo(Limits.MAX_VERSIONS);
        }

        @Test
        void pruningSkipsOldVersionsThatStillCarryALabel() {
            ok(stage("keep", "", "v1"));
            for (int i = 2; i <= Limits.MAX_VERSIONS + 1; i++) {
                ok(put(T0 + i, "v" + i));
            }

            assertThat(secret().getVersionsCount()).isEqualTo(Limits.MAX_VERSIONS);
            assertThat(stages()).containsKey("v1").doesNotContainKey("v2");
            assertThat(state.value(ID, "v1")).isPresent();
            assertThat(state.value(ID, "v2")).isEmpty();
        }

        @Test
        void versionLimitExceededWhenAllVersionsCarryALabel() {
            for (int i = 2; i <= Limits.MAX_VERSIONS; i++) {
                ok(put(T0 + i, "v" + i, "L" + i));
            }
            assertThat(secret().getVersionsList()).allSatisfy(v -> assertThat(v.getStagesCount()).isPositive());

            refused(put(T0 + 101, "v101"), Reason.VERSION_LIMIT_EXCEEDED);
            refused(put(T0 + 101, "v101", "L101"), Reason.VERSION_LIMIT_EXCEEDED);
            assertThat(state.value(ID, "v101")).isEmpty();
        }

        @Test
        void firstVersionAlwaysGetsCurrent() {
            closeState(); // this one starts from an empty state, without the nested class's secret
            freshState();
            ok(create(T0, ID, NAME, null));

            CommandResult r = ok(put(T0 + 1, "v1", Stages.PENDING));

            assertThat(r.getVersionStagesList()).contains(Stages.CURRENT, Stages.PENDING);
        }
    }

    @Nested
    class UpdateVersionStage {
        @BeforeEach
        void twoVersions() {
            ok(create(T0, ID, NAME, version("v1")));
            ok(put(T0 + 1, "v2", Stages.PENDING));
        }

        @Test
        void movingCurrentGivesPreviousToTheFormerHolder() {
            ok(put(T0 + 2, "v0", "old"));
            ok(stage(Stages.PREVIOUS, "", "v0"));

            CommandResult r = ok(stage(Stages.CURRENT, "v1", "v2"));

            assertThat(r.getSecretId()).isEqualTo(ID);
            assertThat(stagesOf("v2")).containsExactlyInAnyOrder(Stages.PENDING, Stages.CURRENT);
            assertThat(stagesOf("v1")).containsExactly(Stages.PREVIOUS);
            assertThat(stagesOf("v0")).containsExactly("old");
            assertThat(secret().getLastChangedMillis()).isEqualTo(T0 + 5);
        }

        @Test
        void movingALabelHeldElsewhereWithoutNamingItsHolderIsAConflict() {
            CommandResult r = refused(stage(Stages.CURRENT, "", "v2"), Reason.LABEL_CONFLICT);
            assertThat(r.getErrorMessage()).contains("remove_from_version_id");
            refused(stage(Stages.PENDING, "", "v1"), Reason.LABEL_CONFLICT);
        }

        @Test
        void removeFromAVersionThatDoesNotHoldTheLabelIsAConflict() {
            refused(stage(Stages.CURRENT, "v2", "v1"), Reason.LABEL_CONFLICT);
            refused(stage("absent", "v1", ""), Reason.LABEL_CONFLICT);
        }

        @Test
        void removingALabelWithoutNamingItsHolderIsAConflict() {
            refused(stage(Stages.PENDING, "", ""), Reason.LABEL_CONFLICT);
        }

        @Test
        void unknownVersionsAreNotFound() {
            refused(stage(Stages.PENDING, "nope", "v1"), Reason.VERSION_NOT_FOUND);
            refused(stage("fresh", "", "nope"), Reason.VERSION_NOT_FOUND);
            refused(stage(Stages.CURRENT, "v1", "nope"), Reason.VERSION_NOT_FOUND);
        }

        @Test
        void currentCannotBeRemoved() {
            CommandResult r = refused(stage(Stages.CURRENT, "v1", ""), Reason.LABEL_CONFLICT);
            assertThat(r.getErrorMessage()).contains("CURRENT");
        }

        @Test
        void aLabelCanBeRemovedFromItsHolder() {
            ok(stage(Stages.PENDING, "v2", ""));

            assertThat(stagesOf("v2")).isEmpty();
            assertThat(stagesOf("v1")).containsExactly(Stages.CURRENT);
        }

        @Test
        void aLabelCanBeMovedBetweenVersions() {
            ok(stage(Stages.PENDING, "v2", "v1"));

            assertThat(stagesOf("v1")).containsExactly(Stages.CURRENT, Stages.PENDING);
            assertThat(stagesOf("v2")).isEmpty();
            assertThat(stages().values().stream().filter(s -> s.contains(Stages.PREVIOUS))).isEmpty();
        }

        @Test
        void anUnusedLabelCanBeAttachedWithoutRemoveFrom() {
            ok(stage("canary", "", "v1"));
            assertThat(stagesOf("v1")).containsExactly(Stages.CURRENT, "canary");
        }

        @Test
        void movingToTheVersionThatHoldsTheLabelIsANoOp() {
            ok(stage(Stages.CURRENT, "", "v1"));
            assertThat(stages()).containsExactly(
                    Map.entry("v1", List.of(Stages.CURRENT)),
                    Map.entry("v2", List.of(Stages.PENDING)));
        }

        @Test
        void aVersionCarriesAtMostTwentyLabels() {
            for (int i = 1; i < Limits.MAX_LABELS_PER_VERSION; i++) {
                ok(stage("L" + i, "", "v1"));
            }
            assertThat(stagesOf("v1")).hasSize(Limits.MAX_LABELS_PER_VERSION);

            refused(stage("one-too-many", "", "v1"), Reason.TOO_MANY_LABELS);
            ok(stage("L1", "", "v1")); // already carried: not a new label
        }

        @Test
        void scheduledSecretIsRefused() {
            ok(schedule(T0 + 2, 7));
            refused(stage(Stages.PENDING, "v2", ""), Reason.SCHEDULED_FOR_DELETION);
        }
    }

    @Nested
    class Deletion {
        @BeforeEach
        void created() {
            ok(create(T0, ID, NAME, version("v1")));
            ok(put(T0 + 1, "v2"));
        }

        @Test
        void scheduleSetsTheDeletionDateAndBlocksWrites() {
            CommandResult r = ok(schedule(T0 + 10, 7));

            long due = T0 + 10 + 7 * DAY;
            assertThat(r.getDeletionDateMillis()).isEqualTo(due);
            assertThat(secret().getDeletionDateMillis()).isEqualTo(due);
            assertThat(state.deletionsDue(Long.MAX_VALUE, 10)).containsExactly(ID);
            refused(put(T0 + 11, "v3"), Reason.SCHEDULED_FOR_DELETION);
            refused(describe("x"), Reason.SCHEDULED_FOR_DELETION);
            refused(tag(Map.of("a", "b")), Reason.SCHEDULED_FOR_DELETION);
            refused(untag("team"), Reason.SCHEDULED_FOR_DELETION);
            refused(schedule(T0 + 12, 30), Reason.SCHEDULED_FOR_DELETION);
        }

        @Test
        void scheduleHandlesTheLongestWindowWithoutOverflow() {
            ok(schedule(T0, Limits.MAX_RECOVERY_WINDOW_DAYS));
            assertThat(secret().getDeletionDateMillis()).isEqualTo(T0 + 30L * DAY);
        }

        @Test
        void restoreClearsTheDeletionDate() {
            ok(schedule(T0 + 10, 7));

            ok(restore(T0 + 20));

            assertThat(secret().getDeletionDateMillis()).isZero();
            assertThat(secret().getLastChangedMillis()).isEqualTo(T0 + 20);
            assertThat(scratch.deletionCount()).isZero();
            ok(put(T0 + 21, "v3"));
        }

        @Test
        void restoreOfASecretNotScheduledChangesNothing() {
            var before = scratch.dump();
            CommandResult r = ok(restore(T0 + 20));
            assertThat(r.getSecretId()).isEqualTo(ID);
            assertThat(scratch.dump()).isEqualTo(before);
        }

        @Test
        void forceDeleteRemovesEverythingAndFreesTheName() {
            ok(schedule(T0 + 10, 7));

            CommandResult r = ok(forceDelete(T0 + 20));

            assertThat(r.getDeletionDateMillis()).isEqualTo(T0 + 20);
            assertThat(scratch.secretIds()).isEmpty();
            assertThat(scratch.names()).isEmpty();
            assertThat(scratch.valueCount()).isZero();
            assertThat(scratch.deletionCount()).isZero();
            ok(create(T0 + 30, "00000000-0000-4000-8000-000000000002", NAME, version("w1")));
        }

        @Test
        void forceDeleteOfAnUnknownSecretIsNotFound() {
            refused(Command.newBuilder().setTimestampMillis(T0)
                    .setForceDelete(ForceDeleteCommand.newBuilder().setSecretId("nope")).build(), Reason.SECRET_NOT_FOUND);
            refused(Command.newBuilder().setTimestampMillis(T0)
                    .setRestoreSecret(RestoreSecretCommand.newBuilder().setSecretId("nope")).build(),
                    Reason.SECRET_NOT_FOUND);
        }

        @Test
        void purgeBeforeTheDeletionDateIsANoOp() {
            ok(schedule(T0 + 10, 7));
            var before = scratch.dump();

            ok(purge(T0 + 10 + 7 * DAY - 1));

            assertThat(scratch.dump()).isEqualTo(before);
        }

        @Test
        void purgeAtTheDeletionDateRemovesEverything() {
            ok(schedule(T0 + 10, 7));

            CommandResult r = ok(purge(T0 + 10 + 7 * DAY));

            assertThat(r.getSecretId()).isEqualTo(ID);
            assertThat(scratch.secretIds()).isEmpty();
            assertThat(scratch.names()).isEmpty();
            assertThat(scratch.valueCount()).isZero();
            assertThat(scratch.deletionCount()).isZero();
        }

        @Test
        void purgeOfARestoredSecretIsANoOp() {
            ok(schedule(T0 + 10, 7));
            ok(restore(T0 + 20));
            var before = scratch.dump();

            ok(purge(T0 + 365 * DAY));

            assertThat(scratch.dump()).isEqualTo(before);
        }

        @Test
        void purgeOfASecretNeverScheduledOrGoneIsANoOp() {
            var before = scratch.dump();
            ok(purge(T0 + 365 * DAY));
            assertThat(scratch.dump()).isEqualTo(before);

            ok(Command.newBuilder().setTimestampMillis(T0)
                    .setPurgeSecret(PurgeSecretCommand.newBuilder().setSecretId("gone")).build());
        }
    }

    @Nested
    class TagsAndDescription {
        @BeforeEach
        void created() {
            ok(create(T0, ID, NAME, null));
        }

        @Test
        void tagsMergeOverExistingOnes() {
            ok(tag(Map.of("team", "payments", "env", "prod")));

            assertThat(secret().getTagsMap()).containsOnly(Map.entry("team", "payments"), Map.entry("env", "prod"));
            assertThat(secret().getLastChangedMillis()).isEqualTo(T0 + 7);
        }

        @Test
        void mergedTagsUpToTheLimitAreAccepted() {
            Map<String, String> more = new HashMap<>();
            for (int i = 1; i < Limits.MAX_TAGS; i++) {
                more.put("k" + i, "v");
            }
            ok(tag(more));
            assertThat(secret().getTagsCount()).isEqualTo(Limits.MAX_TAGS);

            ok(tag(Map.of("team", "replaced", "k1", "replaced"))); // overwrites do not count
            assertThat(secret().getTagsCount()).isEqualTo(Limits.MAX_TAGS);
        }

        @Test
        void mergedTagsPastTheLimitAreRefused() {
            Map<String, String> more = new HashMap<>();
            for (int i = 1; i <= Limits.MAX_TAGS; i++) {
                more.put("k" + i, "v");
            }
            refused(tag(more), Reason.TOO_MANY_TAGS);
            assertThat(secret().getTagsMap()).containsOnlyKeys("team");
        }

        @Test
        void untagRemovesOnlyTheNamedKeys() {
            ok(tag(Map.of("env", "prod", "tier", "1")));

            ok(untag("team", "tier", "not-there"));

            assertThat(secret().getTagsMap()).containsOnly(Map.entry("env", "prod"));
        }

        @Test
        void descriptionIsReplaced() {
            ok(describe("new words"));
            assertThat(secret().getDescription()).isEqualTo("new words");
            assertThat(secret().getLastChangedMillis()).isEqualTo(T0 + 9);
        }
    }

    @Nested
    class RequestIds {
        private Command withId(String requestId, Command command) {
            return command.toBuilder().setRequestId(requestId).build();
        }

        @Test
        void aRetriedDeletionReturnsTheFirstResultInsteadOfARefusal() {
            ok(create(T0, ID, NAME, version("v1")));
            CommandResult first = ok(withId("req-1", schedule(T0 + 1, 7)));
            var after = scratch.dump();
            assertThat(ok(withId("req-1", schedule(T0 + 2, 30)))).isEqualTo(first);
            assertThat(scratch.dump()).as("the retry changed nothing").isEqualTo(after);
            // without a request id the same call is refused: it is already scheduled
            refused(schedule(T0 + 3, 7), Reason.SCHEDULED_FOR_DELETION);
        }

        @Test
        void aRetriedCreateWithoutAValueReturnsTheSecretItMade() {
            CommandResult first = ok(withId("req-2", create(T0, "00000000-0000-4000-8000-00000000000a", NAME, null)));
            // the leader picked another id for the retry; the first one stands
            assertThat(ok(withId("req-2", create(T0 + 1, "00000000-0000-4000-8000-00000000000b", NAME, null))).getSecretId()).isEqualTo("00000000-0000-4000-8000-00000000000a");
            assertThat(scratch.secretIds()).containsExactly("00000000-0000-4000-8000-00000000000a");
            assertThat(first.getSecretId()).isEqualTo("00000000-0000-4000-8000-00000000000a");
        }

        @Test
        void aRequestIdUsedForAnotherOperationIsRefused() {
            ok(create(T0, ID, NAME, version("v1")));
            ok(withId("req-3", schedule(T0 + 1, 7)));
            refused(withId("req-3", restore(T0 + 2)), Reason.IDEMPOTENCY_CONFLICT);
        }

        @Test
        void aTransientRefusalIsNotKeptSoTheRetryIsTriedAfresh() {
            refused(withId("req-4", addKey(2)), Reason.REGION_KEY_CONFLICT); // ABORTED: the client retries
            assertThat(ok(withId("req-4", addKey(1))).getKeyVersion()).isEqualTo(1);
        }

        @Test
        void forgetDropsTheRequestsAppliedBeforeTheCutOffAndNoOthers() {
            ok(withId("old", create(T0, "00000000-0000-4000-8000-00000000000a", "a", null)));
            ok(withId("edge", create(T0 + 10, "00000000-0000-4000-8000-00000000000b", "b", null)));
            Command forget = Command.newBuilder().setTimestampMillis(T0 + 20).setForgetRequests(
                    dev.kinko.proto.raft.v1.ForgetRequestsCommand.newBuilder().setAppliedBeforeMillis(T0 + 10)).build();
            assertThat(ok(forget).getCount()).isEqualTo(1);
            assertThat(scratch.requestIds()).containsExactly("edge"); // applied at the cut-off: kept
        }
    }

    @Nested
    class Replication {
        private Command putLink(String... addresses) {
            return Command.newBuilder().setTimestampMillis(T0).setPutLink(dev.kinko.proto.raft.v1.PutLinkCommand.newBuilder()
                    .setRegion("osaka").addAllAddresses(List.of(addresses))).build();
        }

        private Command updateLink(dev.kinko.proto.raft.v1.UpdateLinkCommand.Builder update) {
            return Command.newBuilder().setTimestampMillis(T0).setUpdateLink(update.setRegion("osaka")).build();
        }

        private Command shipped(long firstSeq, long lastSeq, boolean reseed, boolean complete) {
            return Command.newBuilder().setTimestampMillis(T0).setApplyReplication(
                    dev.kinko.proto.raft.v1.ApplyReplicationCommand.newBuilder().setSourceRegion("osaka")
                            .setFirstSeq(firstSeq).setLastSeq(lastSeq).setReseed(reseed).setReseedComplete(complete)).build();
        }

        @Test
        void aNewLinkStartsWithAFullCopyAndAChangedOneDoesNot() {
            ok(putLink("osaka-1:8101"));
            assertThat(state.link("osaka").orElseThrow().getReseedRequired()).isTrue();
            ok(updateLink(dev.kinko.proto.raft.v1.UpdateLinkCommand.newBuilder().setWatermark(7).setReseeded(true)));
            ok(putLink("osaka-9:8101"));
            assertThat(state.link("osaka").orElseThrow().getReseedRequired()).isFalse();
            assertThat(state.link("osaka").orElseThrow().getAddressesList()).containsExactly("osaka-9:8101");
        }

        @Test
        void aRewoundWatermarkMayGoDownAnOrdinaryOneNever() {
            ok(putLink("osaka-1:8101"));
            ok(updateLink(dev.kinko.proto.raft.v1.UpdateLinkCommand.newBuilder().setWatermark(9)));
            ok(updateLink(dev.kinko.proto.raft.v1.UpdateLinkCommand.newBuilder().setWatermark(4)));
            assertThat(state.link("osaka").orElseThrow().getWatermark()).isEqualTo(9);
            ok(updateLink(dev.kinko.proto.raft.v1.UpdateLinkCommand.newBuilder().setWatermark(4).setRewound(true)));
            assertThat(state.link("osaka").orElseThrow().getWatermark()).isEqualTo(4);
        }

        @Test
        void aBatchMustStartAtMostOnePastWhatWasApplied() {
            assertThat(ok(shipped(1, 5, false, false)).getAppliedSeq()).isEqualTo(5);
            assertThat(ok(shipped(6, 8, false, false)).getAppliedSeq()).isEqualTo(8); // the edge: applied + 1
            CommandResult gap = refused(shipped(10, 12, false, false), Reason.REPLICA_GAP); // one past it
            assertThat(gap.getErrorDetailsMap()).containsEntry(KinkoException.APPLIED_SEQ, "8");
            assertThat(ok(shipped(3, 8, false, false)).getAppliedSeq()).isEqualTo(8); // shipped again: fine
        }

        @Test
        void aCompletedFullCopySetsTheAppliedSequenceEvenBelowTheOldOne() {
            ok(shipped(1, 20, false, false));
            ok(shipped(0, 12, true, false));
            assertThat(ok(shipped(0, 12, true, true)).getAppliedSeq()).isEqualTo(12);
            assertThat(ok(shipped(13, 14, false, false)).getAppliedSeq()).isEqualTo(14);
        }
    }

    @Nested
    class RegionKeys {
        @Test
        void versionsMustFollowTheNewestByOne() {
            refused(addKey(2), Reason.REGION_KEY_CONFLICT);
            assertThat(ok(addKey(1)).getKeyVersion()).isEqualTo(1);
            refused(addKey(1), Reason.REGION_KEY_CONFLICT);
            refused(addKey(3), Reason.REGION_KEY_CONFLICT);
            assertThat(ok(addKey(2)).getKeyVersion()).isEqualTo(2);

            assertThat(state.regionKeys()).extracting(RegionKeyRecord::getVersion).containsExactly(1, 2);
        }

        @Test
        void rewrapAppliesOnlyWhenTheValueIsStillWrappedByTheExpectedVersion() {
            ok(create(T0, ID, NAME, version("v1")));

            CommandResult stale = ok(rewrap("v1", 2, 3));
            assertThat(stale.getKeyVersion()).isZero();
            assertThat(state.value(ID, "v1")).contains(sealed("v1"));

            CommandResult r = ok(rewrap("v1", 1, 2));
            assertThat(r.getKeyVersion()).isEqualTo(2);
            SealedValue v = state.value(ID, "v1").orElseThrow();
            assertThat(v.getKeyVersion()).isEqualTo(2);
            assertThat(v.getWrappedDataKey().toString(StandardCharsets.UTF_8)).isEqualTo("rewrapped-2");
            assertThat(v.getCiphertext()).isEqualTo(sealed("v1").getCiphertext());

            ok(rewrap("v1", 1, 2)); // a repeated rewrap is ignored
            assertThat(state.value(ID, "v1")).contains(v);
        }

        @Test
        void rewrapOfAMissingValueIsANoOp() {
            var before = scratch.dump();
            assertThat(ok(rewrap("v1", 1, 2)).getKeyVersion()).isZero();
            assertThat(scratch.dump()).isEqualTo(before);
        }
    }

    @Test
    void anEmptyCommandIsRefused() {
        refused(Command.newBuilder().setTimestampMillis(T0).build(), Reason.INTERNAL);
    }

    @Test
    void theSameCommandsGiveTheSameStateOnEveryNode() {
        List<Command> commands = new ArrayList<>();
        commands.add(addKey(1));
        commands.add(create(T0, ID, NAME, version("v1")));
        commands.add(create(T0, "00000000-0000-4000-8000-000000000002", "other", null));
        commands.add(create(T0, "00000000-0000-4000-8000-000000000003", NAME, null)); // refused: name exists
        for (int i = 2; i <= 105; i++) {
            commands.add(put(T0 + i, "v" + i, i % 10 == 0 ? Stages.PENDING : Stages.CURRENT));
        }
        commands.add(stage(Stages.CURRENT, "v105", "v100"));
        commands.add(tag(Map.of("a", "1", "b", "2", "c", "3")));
        commands.add(untag("b"));
        commands.add(addKey(2));
        commands.add(rewrap("v100", 1, 2));
        commands.add(describe("changed"));
        commands.add(schedule(T0 + 200, 7));
        commands.add(purge(T0 + 300));
        commands.add(restore(T0 + 400));
        commands.add(schedule(T0 + 500, 7));
        commands.add(purge(T0 + 500 + 7 * DAY));

        ScratchStorage scratchA = ScratchStorage.open();
        ScratchStorage scratchB = ScratchStorage.open();
        StorageBatch a = scratchA.state();
        StorageBatch b = scratchB.state();
        CommandApplier onA = new CommandApplier("tokyo");
        CommandApplier onB = new CommandApplier("tokyo");
        List<CommandResult> resultsA = new ArrayList<>();
        List<CommandResult> resultsB = new ArrayList<>();
        commands.forEach(c -> resultsA.add(onA.apply(c, a)));
        commands.forEach(c -> resultsB.add(onB.apply(c, b)));

        assertThat(resultsB).isEqualTo(resultsA);
        assertThat(scratchB.dump()).isEqualTo(scratchA.dump());
        assertThat(scratchA.secretIds()).containsExactly("00000000-0000-4000-8000-000000000002");
        scratchA.close();
        scratchB.close();
        assertThat(resultsA.get(3).getErrorReason()).isEqualTo(Reason.SECRET_EXISTS.name());
    }
}
