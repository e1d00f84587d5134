package dev.kinko.server.domain.command.secret;

import dev.kinko.proto.raft.v1.RotationRecord;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.VersionRecord;
import dev.kinko.proto.v1.RotationStep;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.Stages;
import dev.kinko.server.domain.rotation.NextRotation;
import java.util.Optional;

/** The rules every rotation command shares: what blocks a new rotation, and a rotation's fresh state. */
final class Rotations {
    private Rotations() {}

    /** A new rotation may start: none runs, the last did not fail, and PENDING is not left on another version. */
    static void requireIdle(SecretRecord record) {
        RotationRecord r = record.getRotation();
        if (r.getFailed()) {
            String after = r.getAttempts() > 0 ? " after " + r.getAttempts() + " attempts" : "";
            throw new KinkoException(Reason.ROTATION_FAILED, "the last rotation of secret " + record.getName()
                    + " failed" + after + " (" + r.getLastError() + "); cancel it (CancelRotateSecret) before rotating again");
        }
        if (!r.getToken().isEmpty()) {
            throw new KinkoException(Reason.ROTATION_IN_PROGRESS, "secret " + record.getName()
                    + " is being rotated (version " + r.getToken() + ", step " + NextRotation.stepName(r.getStep())
                    + "); wait for it to finish or cancel it");
        }
        stalePending(record).ifPresent(v -> {
            throw new KinkoException(Reason.ROTATION_IN_PROGRESS, "version " + v.getVersionId() + " of secret "
                    + record.getName() + " carries PENDING but not CURRENT: an earlier rotation did not complete;"
                    + " cancel it (CancelRotateSecret) or move the label first");
        });
    }

    /** The version holding PENDING without CURRENT: a rotation left unfinished. */
    static Optional<VersionRecord> stalePending(SecretRecord record) {
        return record.getVersionsList().stream()
                .filter(v -> v.getStagesList().contains(Stages.PENDING) && !v.getStagesList().contains(Stages.CURRENT))
                .findFirst();
    }

    /**
     * The state of a rotation that starts now with {@code token}, at createSecret. The versions of
     * a cancelled rotation stay in earlier_tokens: its setSecret may have reached the target system.
     */
    static RotationRecord.Builder started(RotationRecord.Builder r, String token, long now) {
        return r.setToken(token).setStep(RotationStep.ROTATION_STEP_CREATE_SECRET).setAttempts(1)
                .setStartedMillis(now).setNextAttemptMillis(0).setNextRotationMillis(0).clearLastError()
                .setFailed(false);
    }

    /** No rotation in progress: a finished one leaves nothing behind. */
    static RotationRecord.Builder idle(RotationRecord.Builder r) {
        return cancelled(r).clearEarlierTokens();
    }

    /**
     * No rotation in progress, after a cancel: the cancelled rotation's version joins the
     * earlier ones, so the next rotation's setSecret still tries the password it may have set.
     */
    static RotationRecord.Builder cancelled(RotationRecord.Builder r) {
        if (!r.getToken().isEmpty() && !r.getEarlierTokensList().contains(r.getToken())) {
            r.addEarlierTokens(r.getToken());
        }
        int extra = r.getEarlierTokensCount() - Limits.MAX_VERSIONS; // older versions are pruned anyway
        if (extra > 0) {
            java.util.List<String> kept = java.util.List.copyOf(r.getEarlierTokensList().subList(extra,
                    r.getEarlierTokensCount()));
            r.clearEarlierTokens().addAllEarlierTokens(kept);
        }
        return r.clearToken().clearStep().clearAttempts().clearStartedMillis().clearNextAttemptMillis().setFailed(false);
    }

    /** An error as stored: cut to {@link Limits#MAX_ROTATION_ERROR_CHARS}. */
    static String error(String message) {
        return message.length() <= Limits.MAX_ROTATION_ERROR_CHARS ? message
                : message.substring(0, Limits.MAX_ROTATION_ERROR_CHARS - 1) + "…";
    }
}
