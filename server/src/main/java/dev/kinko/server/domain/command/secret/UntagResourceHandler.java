package dev.kinko.server.domain.command.secret;

import dev.kinko.proto.raft.v1.UntagResourceCommand;
import dev.kinko.server.domain.StateReader;

public final class UntagResourceHandler extends SecretChangeHandler<UntagResourceCommand> {
    public UntagResourceHandler(String region) {
        super(region);
    }

    @Override
    public SecretChange check(UntagResourceCommand cmd, long now, StateReader state) {
        return SecretChange.of(region, state, cmd.getSecretId(), now, r -> cmd.getKeysList().forEach(r::removeTags));
    }
}
