package dev.kinko.server.domain.command.keys;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.RewrapDataKeyCommand;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;
import java.util.Optional;

/** A value's data key wrapped by a newer region key; a value gone or re-wrapped since is left alone. */
public final class RewrapDataKeyHandler implements CommandHandler<RewrapDataKeyCommand, Optional<SealedValue>> {
    @Override
    public Optional<SealedValue> check(RewrapDataKeyCommand cmd, long now, StateReader state) {
        return state.value(cmd.getSecretId(), cmd.getVersionId())
                .filter(v -> v.getKeyVersion() == cmd.getFromKeyVersion());
    }

    @Override
    public CommandResult apply(RewrapDataKeyCommand cmd, Optional<SealedValue> value, long now, StateWriter state) {
        if (value.isEmpty()) {
            return CommandResult.newBuilder().build();
        }
        state.putValue(cmd.getSecretId(), cmd.getVersionId(), value.get().toBuilder()
                .setKeyVersion(cmd.getKeyVersion())
                .setWrappedDataKey(cmd.getWrappedDataKey())
                .build());
        return CommandResult.newBuilder().setKeyVersion(cmd.getKeyVersion()).build();
    }
}
