package dev.kinko.server.domain.command.keys;

import dev.kinko.proto.raft.v1.AddRegionKeyCommand;
import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.RegionKeyRecord;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;

public final class AddRegionKeyHandler implements CommandHandler<AddRegionKeyCommand, Void> {
    @Override
    public Void check(AddRegionKeyCommand cmd, long now, StateReader state) {
        KeyVersions.checkNext("region key", cmd.getKey().getVersion(),
                state.regionKeys().stream().mapToInt(RegionKeyRecord::getVersion));
        return null;
    }

    @Override
    public CommandResult apply(AddRegionKeyCommand cmd, Void checked, long now, StateWriter state) {
        state.putRegionKey(cmd.getKey());
        return CommandResult.newBuilder().setKeyVersion(cmd.getKey().getVersion()).build();
    }
}
