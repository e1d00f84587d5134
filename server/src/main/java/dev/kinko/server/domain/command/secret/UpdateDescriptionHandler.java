package dev.kinko.server.domain.command.secret;

import dev.kinko.proto.raft.v1.UpdateDescriptionCommand;
import dev.kinko.server.domain.StateReader;

public final class UpdateDescriptionHandler extends SecretChangeHandler<UpdateDescriptionCommand> {
    public UpdateDescriptionHandler(String region) {
        super(region);
    }

    @Override
    public SecretChange check(UpdateDescriptionCommand cmd, long now, StateReader state) {
        return SecretChange.of(region, state, cmd.getSecretId(), now, r -> r.setDescription(cmd.getDescription()));
    }
}
