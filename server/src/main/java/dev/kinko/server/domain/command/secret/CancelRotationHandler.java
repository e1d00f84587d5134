package dev.kinko.server.domain.command.secret;

import dev.kinko.proto.raft.v1.CancelRotationCommand;
import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.server.domain.Stages;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;
import java.util.List;

/**
 * CancelRotateSecret: rotation off, the rotation in progress (or failed) dropped, and PENDING
 * taken off the version that is not CURRENT, so the next RotateSecret is not blocked.
 */
public final class CancelRotationHandler implements CommandHandler<CancelRotationCommand, CancelRotationHandler.Checked> {
    /** The change and the version that lost PENDING ("" if none). */
    public record Checked(SecretChange change, String unpended) {}

    private final String region;

    public CancelRotationHandler(String region) {
        this.region = region;
    }

    @Override
    public Checked check(CancelRotationCommand cmd, long now, StateReader state) {
        String[] unpended = {""};
        SecretChange change = SecretChange.of(region, state, cmd.getSecretId(), now, record -> {
            record.setRotation(Rotations.cancelled(record.getRotation().toBuilder()).setEnabled(false)
                    .setNextRotationMillis(0).clearLastError());
            Rotations.stalePending(record.build()).ifPresent(stale -> {
                VersionLabels labels = new VersionLabels(record.build());
                labels.find(stale.getVersionId()).ifPresent(v -> labels.remove(v, Stages.PENDING));
                labels.writeTo(record);
                unpended[0] = stale.getVersionId();
            });
        });
        return new Checked(change, unpended[0]);
    }

    @Override
    public CommandResult apply(CancelRotationCommand cmd, Checked checked, long now, StateWriter state) {
        return checked.change().store(List.of(), now, state).setVersionId(checked.unpended()).build();
    }
}
