package dev.kinko.server.domain.command.keys;

import dev.kinko.proto.raft.v1.AddTransportKeyCommand;
import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.TransportKeyRecord;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;

public final class AddTransportKeyHandler implements CommandHandler<AddTransportKeyCommand, Void> {
    @Override
    public Void check(AddTransportKeyCommand cmd, long now, StateReader state) {
        KeyVersions.checkNext("transport key", cmd.getKey().getVersion(),
                state.transportKeys().stream().mapToInt(TransportKeyRecord::getVersion));
        return null;
    }

    @Override
    public CommandResult apply(AddTransportKeyCommand cmd, Void checked, long now, StateWriter state) {
        state.putTransportKey(cmd.getKey());
        return CommandResult.newBuilder().setKeyVersion(cmd.getKey().getVersion()).build();
    }
}
