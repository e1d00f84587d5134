package dev.kinko.server.domain.command.access;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.PutTokenCommand;
import dev.kinko.proto.raft.v1.TokenRecord;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;
import java.util.Optional;

/** Stores a token of this region's; a root token is bootstrapped once per region (a second bootstrap keeps the first). */
public final class PutTokenHandler implements CommandHandler<PutTokenCommand, Optional<TokenRecord>> {
    /** The region's own root token, when this is a bootstrap and there is one already. */
    @Override
    public Optional<TokenRecord> check(PutTokenCommand cmd, long now, StateReader state) {
        if (!cmd.getBootstrapRoot()) {
            return Optional.empty();
        }
        return state.tokens().stream().filter(t -> t.getRoot() && t.getOriginRegion().isEmpty()).findFirst();
    }

    @Override
    public CommandResult apply(PutTokenCommand cmd, Optional<TokenRecord> root, long now, StateWriter state) {
        if (root.isPresent()) {
            return CommandResult.newBuilder().setName(root.get().getAccessor()).setCount(0).build();
        }
        TokenRecord token = cmd.getToken();
        state.putToken(token.toBuilder().clearOriginRegion().build());
        AccessRules.changed(state);
        return CommandResult.newBuilder().setName(token.getAccessor()).setCount(1).build();
    }
}
