package dev.kinko.server.domain.command.secret;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.PutValueCommand;
import dev.kinko.proto.raft.v1.RotationRecord;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.domain.Stages;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;
import dev.kinko.server.domain.command.Secrets;
import java.util.List;

/** A new version of a writable secret (with its description, for UpdateSecret), journaled to its replicas. */
public final class PutValueHandler implements CommandHandler<PutValueCommand, PutValueHandler.Checked> {
    /** {@code change} is null when the secret holds the version already (a retry): {@code result} answers it. */
    public record Checked(SecretChange change, CommandResult result) {}

    private final String region;

    public PutValueHandler(String region) {
        this.region = region;
    }

    @Override
    public Checked check(PutValueCommand cmd, long now, StateReader state) {
        SecretRecord current = Secrets.writable(region, forNewVersion(state, cmd.getSecretId()));
        String versionId = cmd.getVersion().getVersionId();
        if (state.versionById(current.getId(), versionId).isPresent()) {
            return new Checked(null, NewVersions.existed(current, versionId));
        }
        SecretRecord.Builder record = current.toBuilder().setLastChangedMillis(now);
        if (cmd.hasDescription()) {
            record.setDescription(cmd.getDescription());
        }
        CommandResult.Builder result = Secrets.result(record);
        NewVersions.add(record, cmd.getVersion(), now, result);
        countAsRotation(cmd, record, result, now);
        return new Checked(new SecretChange(current, record.build()), result.build());
    }

    /**
     * The secret with only the versions a new one can touch, so a write costs the same with 1
     * version or 100; the whole secret when it holds more than the limit (a lowered limit), as
     * then more than one version may go.
     */
    private static SecretRecord forNewVersion(StateReader state, String secretId) {
        SecretRecord partial = Secrets.found(state.secretForNewVersion(secretId, Limits.MAX_VERSIONS));
        return partial.getVersionCount() > Limits.MAX_VERSIONS ? Secrets.existing(state, secretId) : partial;
    }

    /** A value that becomes CURRENT counts as a rotation when the next one is computed, as in AWS. */
    private static void countAsRotation(PutValueCommand cmd, SecretRecord.Builder record, CommandResult.Builder result,
                                        long now) {
        RotationRecord r = record.getRotation();
        if (cmd.getNextRotationMillis() != 0 && r.getEnabled() && r.getToken().isEmpty() && !r.getFailed()
                && result.getVersionStagesList().contains(Stages.CURRENT)) {
            record.setRotation(r.toBuilder().setLastRotatedMillis(now).setNextRotationMillis(cmd.getNextRotationMillis()));
        }
    }

    @Override
    public CommandResult apply(PutValueCommand cmd, Checked checked, long now, StateWriter state) {
        if (checked.change() == null) {
            return checked.result();
        }
        String versionId = cmd.getVersion().getVersionId();
        checked.change().store(List.of(versionId), now, state);
        state.putValue(checked.change().updated().getId(), versionId, cmd.getVersion().getValue());
        return checked.result();
    }
}
