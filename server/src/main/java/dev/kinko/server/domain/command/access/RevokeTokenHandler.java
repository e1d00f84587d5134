package dev.kinko.server.domain.command.access;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.RevokeTokenCommand;
import dev.kinko.proto.raft.v1.TokenRecord;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;

public final class RevokeTokenHandler implements CommandHandler<RevokeTokenCommand, Void> {
    @Override
    public Void check(RevokeTokenCommand cmd, long now, StateReader state) {
        String accessor = cmd.getAccessor();
        TokenRecord existing = state.token(accessor).orElseThrow(() ->
                new KinkoException(Reason.TOKEN_NOT_FOUND, "there is no token with accessor " + accessor));
        AccessRules.checkWritableHere(existing.getOriginRegion(), "token " + accessor);
        return null;
    }

    @Override
    public CommandResult apply(RevokeTokenCommand cmd, Void checked, long now, StateWriter state) {
        state.removeToken(cmd.getAccessor());
        AccessRules.changed(state);
        return CommandResult.newBuilder().setName(cmd.getAccessor()).build();
    }
}
