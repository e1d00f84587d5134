package dev.kinko.server.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kinko.proto.raft.v1.CancelRotationCommand;
import dev.kinko.proto.raft.v1.Command;
import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.ConfigureRotationCommand;
import dev.kinko.proto.raft.v1.CreateSecretCommand;
import dev.kinko.proto.raft.v1.NewVersion;
import dev.kinko.proto.raft.v1.PutValueCommand;
import dev.kinko.proto.raft.v1.RotationRecord;
import dev.kinko.proto.raft.v1.RotationStepCommand;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.StartRotationCommand;
import dev.kinko.proto.raft.v1.VersionRecord;
import dev.kinko.proto.v1.RotationRules;
import dev.kinko.proto.v1.RotationStep;
import dev.kinko.server.storage.ScratchStorage;
import dev.kinko.server.storage.StorageBatch;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The replicated rotation commands on real RocksDB: each step takes effect once, CURRENT moves
 * only in finishSecret, a failure retries with a fresh token until the attempts run out, and
 * cancel cleans up. (The runner that proposes them is tested on a real region.)
 */
class RotationCommandsTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long HOUR = 3_600_000L;
    private static final String ID = "00000000-0000-4000-8000-000000000001";
    private static final String V1 = "v1-00000000000000000000000000000000";
    private static final String R1 = "r1-00000000000000000000000000000000";
    private static final String R2 = "r2-00000000000000000000000000000000";
    private static final String R3 = "r3-00000000000000000000000000000000";
    private static final RotationRules DAILY = RotationRules.newBuilder().setAutomaticallyAfterDays(1).build();

    private final CommandApplier applier = new CommandApplier("tokyo");
    private ScratchStorage scratch;
    /** The time of the step command being built. */
    private long stepAt;
    private StorageBatch state;

    @BeforeEach
    void secretWithValue() {
        scratch = ScratchStorage.open();
        state = scratch.state();
        ok(apply(Command.newBuilder().setTimestampMillis(T0).setCreateSecret(CreateSecretCommand.newBuilder()
                .setSecretId(ID).setName("prod/db").setVersion(version(V1))).build()));
    }

    @AfterEach
    void close() {
        scratch.close();
    }

    @Test
    void aRotationGoesThroughItsFourStepsAndMovesCurrentOnlyAtTheEnd() {
        ok(apply(configure(T0 + 1, R1, 0)));
        assertThat(rotation().getStep()).isEqualTo(RotationStep.ROTATION_STEP_CREATE_SECRET);
        assertThat(rotation().getAttempts()).isEqualTo(1);
        assertThat(state.rotationsDue("tokyo", T0 + 1, 10)).containsExactly(ID);
        assertThat(state.rotationsDue("osaka", T0 + 1, 10)).isEmpty();

        ok(apply(step(T0 + 2, R1, RotationStep.ROTATION_STEP_CREATE_SECRET).setVersion(version(R1))));
        assertThat(labels(R1)).containsExactly(Stages.PENDING);
        assertThat(labels(V1)).containsExactly(Stages.CURRENT);
        ok(apply(step(T0 + 3, R1, RotationStep.ROTATION_STEP_SET_SECRET)));
        ok(apply(step(T0 + 4, R1, RotationStep.ROTATION_STEP_TEST_SECRET)));
        assertThat(labels(V1)).containsExactly(Stages.CURRENT);

        long next = T0 + 30 * HOUR;
        ok(apply(step(T0 + 5, R1, RotationStep.ROTATION_STEP_FINISH_SECRET).setNextRotationMillis(next)));
        assertThat(labels(R1)).containsExactly(Stages.CURRENT);
        assertThat(labels(V1)).containsExactly(Stages.PREVIOUS);
        RotationRecord r = rotation();
        assertThat(r.getToken()).isEmpty();
        assertThat(r.getLastRotatedMillis()).isEqualTo(T0 + 5);
        assertThat(r.getNextRotationMillis()).isEqualTo(next);
        assertThat(state.rotationsDue("tokyo", next - 1, 10)).isEmpty();
        assertThat(state.rotationsDue("tokyo", next, 10)).containsExactly(ID);
    }

    @Test
    void aStepRecordedTwiceTakesEffectOnce() {
        ok(apply(configure(T0 + 1, R1, 0)));
        ok(apply(step(T0 + 2, R1, RotationStep.ROTATION_STEP_CREATE_SECRET).setVersion(version(R1))));
        CommandResult again = apply(step(T0 + 3, R1, RotationStep.ROTATION_STEP_CREATE_SECRET).setVersion(version(R1)));
        assertThat(again.getErrorReason()).isEmpty();
        assertThat(again.getCount()).as("a repeat is not accepted").isZero();
        assertThat(rotation().getStep()).isEqualTo(RotationStep.ROTATION_STEP_SET_SECRET);
        assertThat(secret().getVersionsCount()).isEqualTo(2);
        CommandResult wrongToken = apply(step(T0 + 4, R2, RotationStep.ROTATION_STEP_SET_SECRET));
        assertThat(wrongToken.getCount()).isZero();
        assertThat(rotation().getStep()).isEqualTo(RotationStep.ROTATION_STEP_SET_SECRET);
    }

    @Test
    void failuresRetryWithFreshTokensThenTheRotationFailsAndOnlyCancelUnblocksIt() {
        ok(apply(configure(T0 + 1, R1, 0)));
        ok(apply(step(T0 + 2, R1, RotationStep.ROTATION_STEP_CREATE_SECRET).setVersion(version(R1))));
        ok(apply(step(T0 + 3, R1, RotationStep.ROTATION_STEP_SET_SECRET)));
        ok(apply(failed(T0 + 4, R1, RotationStep.ROTATION_STEP_TEST_SECRET, R2, T0 + 1000)));
        RotationRecord r = rotation();
        assertThat(r.getToken()).isEqualTo(R2);
        assertThat(r.getStep()).isEqualTo(RotationStep.ROTATION_STEP_CREATE_SECRET);
        assertThat(r.getAttempts()).isEqualTo(2);
        assertThat(r.getEarlierTokensList()).containsExactly(R1);
        assertThat(r.getLastError()).isEqualTo("testSecret: login refused");
        assertThat(labels(V1)).as("CURRENT untouched").containsExactly(Stages.CURRENT);
        assertThat(labels(R1)).as("PENDING stays visible until the next attempt's value").containsExactly(Stages.PENDING);
        assertThat(state.rotationsDue("tokyo", T0 + 999, 10)).as("backoff").isEmpty();
        assertThat(state.rotationsDue("tokyo", T0 + 1000, 10)).containsExactly(ID);

        ok(apply(step(T0 + 1001, R2, RotationStep.ROTATION_STEP_CREATE_SECRET).setVersion(version(R2))));
        assertThat(labels(R2)).containsExactly(Stages.PENDING);
        assertThat(labels(R1)).as("the fresh value took PENDING").isEmpty();
        ok(apply(failed(T0 + 1002, R2, RotationStep.ROTATION_STEP_SET_SECRET, R3, T0 + 2000)));
        ok(apply(failed(T0 + 2001, R3, RotationStep.ROTATION_STEP_CREATE_SECRET, "r4-00000000000000000000000000000000",
                T0 + 3000)));
        r = rotation();
        assertThat(r.getFailed()).as("3 attempts of 3").isTrue();
        assertThat(r.getAttempts()).isEqualTo(3);
        assertThat(state.rotationsDue("tokyo", Long.MAX_VALUE, 10)).as("a failed rotation is not retried").isEmpty();
        assertThat(labels(V1)).containsExactly(Stages.CURRENT);
        assertThat(labels(R2)).containsExactly(Stages.PENDING);

        assertThat(apply(configure(T0 + 3001, "r5-00000000000000000000000000000000", 0)).getErrorReason())
                .isEqualTo(Reason.ROTATION_FAILED.name());

        CommandResult cancelled = apply(Command.newBuilder().setTimestampMillis(T0 + 3002)
                .setCancelRotation(CancelRotationCommand.newBuilder().setSecretId(ID)).build());
        ok(cancelled);
        assertThat(cancelled.getVersionId()).isEqualTo(R2);
        assertThat(labels(R2)).as("cancel cleans PENDING up").isEmpty();
        assertThat(rotation().getEnabled()).isFalse();
        assertThat(rotation().getFailed()).isFalse();
        assertThat(rotation().getEarlierTokensList()).as("the next setSecret still tries what these set")
                .contains(R1, R2);
        ok(apply(configure(T0 + 3003, "r5-00000000000000000000000000000000", 0)));
    }

    @Test
    void aStartTakesItsDueTimeOnceAndAStalePendingFailsItInsteadOfLooping() {
        long due = T0 + 24 * HOUR;
        ok(apply(configure(T0 + 1, "", due)));
        assertThat(rotation().getToken()).isEmpty();
        assertThat(apply(start(T0 + 2, R1, due + 1)).getErrorReason()).isEqualTo(Reason.ROTATION_IN_PROGRESS.name());
        ok(apply(start(due, R1, due)));
        assertThat(rotation().getToken()).isEqualTo(R1);
        assertThat(apply(start(due + 1, R2, due)).getErrorReason()).as("the same due time, proposed again")
                .isEqualTo(Reason.ROTATION_IN_PROGRESS.name());
        assertThat(rotation().getToken()).isEqualTo(R1);

        ok(apply(Command.newBuilder().setTimestampMillis(due + 2).setCancelRotation(CancelRotationCommand.newBuilder()
                .setSecretId(ID)).build()));
        long due2 = due + 48 * HOUR;
        ok(apply(configure(due + 3, "", due2)));
        // someone leaves PENDING on a version by hand: the next due rotation is blocked, and says so
        ok(apply(Command.newBuilder().setTimestampMillis(due + 4).setPutValue(PutValueCommand.newBuilder()
                .setSecretId(ID).setVersion(version(R2, Stages.PENDING))).build()));
        assertThat(apply(configure(due + 5, R3, 0)).getErrorReason()).as("nor can one start by hand")
                .isEqualTo(Reason.ROTATION_IN_PROGRESS.name());
        ok(apply(start(due2, R3, due2)));
        assertThat(rotation().getFailed()).isTrue();
        assertThat(rotation().getLastError()).contains(R2).contains("PENDING");
        assertThat(state.rotationsDue("tokyo", Long.MAX_VALUE, 10)).isEmpty();
    }

    @Test
    void aValuePutAsCurrentCountsAsARotationAndOneAsPendingDoesNot() {
        long due = T0 + 24 * HOUR;
        ok(apply(configure(T0 + 1, "", due)));
        ok(apply(Command.newBuilder().setTimestampMillis(T0 + 10).setPutValue(PutValueCommand.newBuilder()
                .setSecretId(ID).setVersion(version(R1, Stages.PENDING)).setNextRotationMillis(due + HOUR)).build()));
        assertThat(rotation().getNextRotationMillis()).isEqualTo(due);
        ok(apply(Command.newBuilder().setTimestampMillis(T0 + 20).setPutValue(PutValueCommand.newBuilder()
                .setSecretId(ID).setVersion(version(R2)).setNextRotationMillis(due + 2 * HOUR)).build()));
        assertThat(rotation().getNextRotationMillis()).isEqualTo(due + 2 * HOUR);
        assertThat(rotation().getLastRotatedMillis()).isEqualTo(T0 + 20);
        assertThat(state.rotationsDue("tokyo", due + 2 * HOUR - 1, 10)).isEmpty();
        assertThat(state.rotationsDue("tokyo", due + 2 * HOUR, 10)).containsExactly(ID);
    }

    @Test
    void anExternalCreateSecretThatLeftNoPendingCountsAsAFailure() {
        ok(apply(configure(T0 + 1, R1, 0)));
        ok(apply(step(T0 + 2, R1, RotationStep.ROTATION_STEP_CREATE_SECRET)
                .setRetryToken(R2).setNextAttemptMillis(T0 + 500)));
        assertThat(rotation().getToken()).isEqualTo(R2);
        assertThat(rotation().getLastError()).contains("does not carry PENDING");
    }

    // --- helpers --------------------------------------------------------------------------

    private static NewVersion version(String id, String... stages) {
        return NewVersion.newBuilder().setVersionId(id).addAllStages(List.of(stages)).setValue(SealedValue.newBuilder()
                .setKeyVersion(1).setWrappedDataKey(ByteString.copyFromUtf8("k-" + id))
                .setCiphertext(ByteString.copyFromUtf8("c-" + id))).build();
    }

    private static Command configure(long t, String startToken, long next) {
        return Command.newBuilder().setTimestampMillis(t).setConfigureRotation(ConfigureRotationCommand.newBuilder()
                .setSecretId(ID).setRules(DAILY).setRotator("password").setStartToken(startToken)
                .setNextRotationMillis(next)).build();
    }

    private static Command start(long t, String token, long due) {
        return Command.newBuilder().setTimestampMillis(t).setStartRotation(StartRotationCommand.newBuilder()
                .setSecretId(ID).setToken(token).setDueMillis(due)).build();
    }

    private RotationStepCommand.Builder step(long t, String token, RotationStep step) {
        stepAt = t;
        return RotationStepCommand.newBuilder().setSecretId(ID).setToken(token).setStep(step).setMaxAttempts(3);
    }

    private RotationStepCommand.Builder failed(long t, String token, RotationStep step, String retry, long at) {
        return step(t, token, step).setError(step == RotationStep.ROTATION_STEP_TEST_SECRET
                ? "testSecret: login refused" : "failed").setRetryToken(retry).setNextAttemptMillis(at);
    }

    private CommandResult apply(RotationStepCommand.Builder step) {
        return apply(Command.newBuilder().setTimestampMillis(stepAt).setRotationStep(step).build());
    }

    private CommandResult apply(Command command) {
        return applier.apply(command, state);
    }

    private static void ok(CommandResult result) {
        assertThat(result.getErrorReason()).as(result.getErrorMessage()).isEmpty();
    }

    private SecretRecord secret() {
        return state.secretById(ID).orElseThrow();
    }

    private RotationRecord rotation() {
        return secret().getRotation();
    }

    private List<String> labels(String versionId) {
        return secret().getVersionsList().stream().filter(v -> v.getVersionId().equals(versionId))
                .findFirst().map(VersionRecord::getStagesList).orElseThrow();
    }
}
