package dev.kinko.server.domain.command.secret;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.NewVersion;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.VersionRecord;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.Stages;
import dev.kinko.server.domain.command.Secrets;
import java.util.List;

/** A version added by CreateSecret or PutValue; a version id the secret holds already is a retry. */
final class NewVersions {
    private NewVersions() {}

    static boolean held(SecretRecord record, String versionId) {
        return record.getVersionsList().stream().anyMatch(v -> v.getVersionId().equals(versionId));
    }

    /** The answer to a retry: the version is there, nothing is written. */
    static CommandResult existed(SecretRecord record, String versionId) {
        return Secrets.result(record).setVersionId(versionId).setVersionExisted(true).build();
    }

    /** Adds the version to the record (its value is stored once the record is). */
    static void add(SecretRecord.Builder record, NewVersion version, long now, CommandResult.Builder result) {
        VersionLabels labels = new VersionLabels(record.build());
        VersionRecord.Builder added = VersionRecord.newBuilder()
                .setVersionId(version.getVersionId())
                .setCreatedMillis(now)
                .setOrdinal(record.getNextOrdinal());
        record.setNextOrdinal(record.getNextOrdinal() + 1);
        boolean first = labels.count() == 0;
        labels.add(added);
        List<String> stages = version.getStagesCount() == 0 ? List.of(Stages.CURRENT) : version.getStagesList();
        stages.forEach(label -> labels.attach(label, added));
        if (first) {
            labels.attach(Stages.CURRENT, added); // a secret's first version is always CURRENT, as in AWS
        }
        labels.prune().orElseThrow(() -> new KinkoException(Reason.VERSION_LIMIT_EXCEEDED,
                "a secret keeps at most " + Limits.MAX_VERSIONS
                        + " versions and none is deprecated; remove a label from an old version first"));
        labels.writeTo(record); // pruned versions lose their keys and values when the record is stored
        result.setVersionId(version.getVersionId()).addAllVersionStages(added.getStagesList());
    }
}
