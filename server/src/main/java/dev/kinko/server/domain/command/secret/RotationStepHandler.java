package dev.kinko.server.domain.command.secret;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.RotationRecord;
import dev.kinko.proto.raft.v1.RotationStepCommand;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.VersionRecord;
import dev.kinko.proto.v1.RotationStep;
import dev.kinko.server.domain.Stages;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;
import dev.kinko.server.domain.command.Secrets;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of one step of a rotation. A step the rotation is no longer at (a repeat after a
 * leader change, a late report) changes nothing, so each step takes effect once. createSecret
 * adds the PENDING version; finishSecret is the only place CURRENT moves. A failure starts the
 * next attempt at createSecret with a fresh token (a fresh value), or, after the last attempt,
 * marks the rotation failed with PENDING left visible.
 */
public final class RotationStepHandler implements CommandHandler<RotationStepCommand, RotationStepHandler.Checked> {
    /** {@code change} is null when the step is stale; {@code versionAdded} when createSecret added one. */
    public record Checked(SecretChange change, boolean versionAdded) {}

    private final String region;

    public RotationStepHandler(String region) {
        this.region = region;
    }

    @Override
    public Checked check(RotationStepCommand cmd, long now, StateReader state) {
        SecretRecord current = Secrets.writable(region, state, cmd.getSecretId());
        RotationRecord r = current.getRotation();
        if (r.getFailed() || !r.getToken().equals(cmd.getToken()) || r.getStep() != cmd.getStep()) {
            return new Checked(null, false);
        }
        SecretRecord.Builder record = current.toBuilder().setLastChangedMillis(now);
        String failure = cmd.getError().isEmpty() ? succeed(cmd, record, now) : cmd.getError();
        boolean added = failure == null && cmd.getStep() == RotationStep.ROTATION_STEP_CREATE_SECRET
                && cmd.hasVersion() && !NewVersions.held(current, cmd.getToken());
        if (failure != null) {
            fail(cmd, record, Rotations.error(failure));
        }
        return new Checked(new SecretChange(current, record.build()), added);
    }

    /** Makes the step's change; returns why it cannot count as done, or null. */
    private static String succeed(RotationStepCommand cmd, SecretRecord.Builder record, long now) {
        RotationRecord.Builder r = record.getRotation().toBuilder().setNextAttemptMillis(0);
        switch (cmd.getStep()) {
            case ROTATION_STEP_CREATE_SECRET -> {
                if (cmd.hasVersion() && !NewVersions.held(record.build(), cmd.getToken())) {
                    NewVersions.add(record, cmd.getVersion().toBuilder().setVersionId(cmd.getToken())
                            .clearStages().addStages(Stages.PENDING).build(), now, Secrets.result(record));
                }
                Optional<VersionRecord> v = version(record, cmd.getToken());
                if (v.isEmpty() || !v.get().getStagesList().contains(Stages.PENDING)) {
                    return "createSecret reported success, but version " + cmd.getToken() + " does not carry PENDING";
                }
                r.setStep(RotationStep.ROTATION_STEP_SET_SECRET);
            }
            case ROTATION_STEP_SET_SECRET -> r.setStep(RotationStep.ROTATION_STEP_TEST_SECRET);
            case ROTATION_STEP_TEST_SECRET -> r.setStep(RotationStep.ROTATION_STEP_FINISH_SECRET);
            case ROTATION_STEP_FINISH_SECRET -> {
                VersionLabels labels = new VersionLabels(record.build());
                Optional<VersionRecord.Builder> rotated = labels.find(cmd.getToken());
                if (rotated.isEmpty()) {
                    return "finishSecret: version " + cmd.getToken() + " no longer exists";
                }
                labels.attach(Stages.CURRENT, rotated.get());
                labels.remove(rotated.get(), Stages.PENDING);
                labels.writeTo(record);
                Rotations.idle(r).clearLastError().setLastRotatedMillis(now)
                        .setNextRotationMillis(r.getEnabled() ? cmd.getNextRotationMillis() : 0);
            }
            default -> {
                return "unknown rotation step " + cmd.getStep();
            }
        }
        record.setRotation(r);
        return null;
    }

    private static void fail(RotationStepCommand cmd, SecretRecord.Builder record, String error) {
        RotationRecord.Builder r = record.getRotation().toBuilder().setLastError(error);
        if (r.getAttempts() >= cmd.getMaxAttempts() || cmd.getRetryToken().isEmpty()) {
            r.setFailed(true).setNextAttemptMillis(0);
        } else {
            if (version(record, r.getToken()).isPresent()) {
                r.addEarlierTokens(r.getToken());
            }
            r.setToken(cmd.getRetryToken()).setStep(RotationStep.ROTATION_STEP_CREATE_SECRET)
                    .setAttempts(r.getAttempts() + 1).setNextAttemptMillis(cmd.getNextAttemptMillis());
        }
        record.setRotation(r);
    }

    private static Optional<VersionRecord> version(SecretRecord.Builder record, String versionId) {
        return record.getVersionsList().stream().filter(v -> v.getVersionId().equals(versionId)).findFirst();
    }

    @Override
    public CommandResult apply(RotationStepCommand cmd, Checked checked, long now, StateWriter state) {
        if (checked.change() == null) {
            return Secrets.result(Secrets.existing(state, cmd.getSecretId())).setCount(0).build();
        }
        List<String> travels = checked.versionAdded() ? List.of(cmd.getToken()) : List.of();
        CommandResult.Builder result = checked.change().store(travels, now, state).setCount(1);
        if (checked.versionAdded()) {
            state.putValue(checked.change().updated().getId(), cmd.getToken(), cmd.getVersion().getValue());
        }
        return result.setVersionId(cmd.getToken()).build();
    }
}
