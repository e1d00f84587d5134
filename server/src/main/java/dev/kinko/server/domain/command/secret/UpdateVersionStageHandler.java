package dev.kinko.server.domain.command.secret;

import dev.kinko.proto.raft.v1.UpdateVersionStageCommand;
import dev.kinko.proto.raft.v1.VersionRecord;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.Stages;
import dev.kinko.server.domain.StateReader;
import java.util.Optional;

/** Moves or removes a stage label; a label held by another version moves only when that version is named. */
public final class UpdateVersionStageHandler extends SecretChangeHandler<UpdateVersionStageCommand> {
    public UpdateVersionStageHandler(String region) {
        super(region);
    }

    @Override
    public SecretChange check(UpdateVersionStageCommand cmd, long now, StateReader state) {
        return SecretChange.of(region, state, cmd.getSecretId(), now, record -> {
            VersionLabels labels = new VersionLabels(record.build());
            moveLabel(cmd, labels);
            labels.writeTo(record);
        });
    }

    private static void moveLabel(UpdateVersionStageCommand cmd, VersionLabels labels) {
        String label = cmd.getStage();
        Optional<VersionRecord.Builder> holder = labels.holderOf(label);
        if (!cmd.getRemoveFromVersionId().isEmpty()) {
            VersionRecord.Builder from = labels.find(cmd.getRemoveFromVersionId()).orElseThrow(() ->
                    new KinkoException(Reason.VERSION_NOT_FOUND, "remove_from_version_id names no version of this secret"));
            if (!from.getStagesList().contains(label)) {
                throw new KinkoException(Reason.LABEL_CONFLICT,
                        "label " + label + " is not attached to version " + cmd.getRemoveFromVersionId());
            }
        } else if (holder.isPresent() && !holder.get().getVersionId().equals(cmd.getMoveToVersionId())) {
            throw new KinkoException(Reason.LABEL_CONFLICT, "label " + label + " is attached to version "
                    + holder.get().getVersionId() + "; name it in remove_from_version_id to move the label");
        }
        if (cmd.getMoveToVersionId().isEmpty()) {
            if (label.equals(Stages.CURRENT)) {
                throw new KinkoException(Reason.LABEL_CONFLICT,
                        "CURRENT can only be moved to another version, not removed");
            }
            holder.ifPresent(h -> labels.remove(h, label));
        } else {
            VersionRecord.Builder to = labels.find(cmd.getMoveToVersionId()).orElseThrow(() ->
                    new KinkoException(Reason.VERSION_NOT_FOUND, "move_to_version_id names no version of this secret"));
            if (!to.getStagesList().contains(label) && to.getStagesCount() >= Limits.MAX_LABELS_PER_VERSION) {
                throw new KinkoException(Reason.TOO_MANY_LABELS,
                        "a version may carry at most " + Limits.MAX_LABELS_PER_VERSION + " stage labels");
            }
            labels.attach(label, to);
        }
    }
}
