package dev.kinko.server.domain.command.secret;

import dev.kinko.proto.raft.v1.RotationRecord;
import dev.kinko.proto.raft.v1.StartRotationCommand;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.StateReader;

/**
 * The scheduler starts the rotation due at a time. The due time is part of the command, so a
 * start proposed twice for one due time (a leader change in between) starts one rotation. A
 * rotation blocked by a PENDING left on another version is marked failed, not retried for ever.
 */
public final class StartRotationHandler extends SecretChangeHandler<StartRotationCommand> {
    public StartRotationHandler(String region) {
        super(region);
    }

    @Override
    public SecretChange check(StartRotationCommand cmd, long now, StateReader state) {
        return SecretChange.of(region, state, cmd.getSecretId(), now, record -> {
            RotationRecord r = record.getRotation();
            if (!r.getEnabled() || !r.getToken().isEmpty() || r.getFailed() || r.getNextRotationMillis() == 0
                    || r.getNextRotationMillis() != cmd.getDueMillis()) {
                throw new KinkoException(Reason.ROTATION_IN_PROGRESS, "the rotation of secret " + record.getName()
                        + " due at " + cmd.getDueMillis() + " was started already or is no longer due");
            }
            RotationRecord.Builder next = r.toBuilder();
            Rotations.stalePending(record.build()).ifPresentOrElse(
                    stale -> next.setFailed(true).setNextRotationMillis(0).setLastError("version "
                            + stale.getVersionId() + " carries PENDING but not CURRENT: an earlier rotation did not"
                            + " complete; cancel it (CancelRotateSecret) to rotate again"),
                    () -> Rotations.started(next, cmd.getToken(), now));
            record.setRotation(next);
        });
    }
}
