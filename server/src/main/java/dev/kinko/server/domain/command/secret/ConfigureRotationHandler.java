package dev.kinko.server.domain.command.secret;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.ConfigureRotationCommand;
import dev.kinko.proto.raft.v1.RotationRecord;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;
import dev.kinko.server.domain.command.Secrets;
import java.util.List;

/**
 * RotateSecret: stores the rules and the rotator and, when it rotates at once, starts the
 * rotation under the request's token. A retry with a token the secret already rotated to (or is
 * rotating to) changes nothing and answers as the first call did.
 */
public final class ConfigureRotationHandler
        implements CommandHandler<ConfigureRotationCommand, ConfigureRotationHandler.Checked> {
    /** {@code change} is null for a retry, which {@code result} answers. */
    public record Checked(SecretChange change, CommandResult result) {}

    private final String region;

    public ConfigureRotationHandler(String region) {
        this.region = region;
    }

    @Override
    public Checked check(ConfigureRotationCommand cmd, long now, StateReader state) {
        SecretRecord current = Secrets.writable(region, state, cmd.getSecretId());
        String token = cmd.getStartToken();
        if (!token.isEmpty() && (token.equals(current.getRotation().getToken()) || NewVersions.held(current, token))) {
            return new Checked(null, Secrets.result(current).setVersionId(token).setVersionExisted(true).build());
        }
        Rotations.requireIdle(current);
        RotationRecord.Builder r = current.getRotation().toBuilder()
                .setEnabled(cmd.hasRules())
                .setRotator(cmd.getRotator())
                .setPasswordOptions(cmd.getPasswordOptions())
                .setNextRotationMillis(cmd.getNextRotationMillis())
                .setMasterSecretId(cmd.getMasterSecretId());
        if (cmd.hasRules()) {
            r.setRules(cmd.getRules());
        } else {
            r.clearRules();
        }
        if (!token.isEmpty()) {
            Rotations.started(r, token, now);
        }
        SecretRecord.Builder updated = current.toBuilder().setLastChangedMillis(now).setRotation(r);
        return new Checked(new SecretChange(current, updated.build()), Secrets.result(updated).setVersionId(token).build());
    }

    @Override
    public CommandResult apply(ConfigureRotationCommand cmd, Checked checked, long now, StateWriter state) {
        if (checked.change() != null) {
            checked.change().store(List.of(), now, state);
        }
        return checked.result();
    }
}
