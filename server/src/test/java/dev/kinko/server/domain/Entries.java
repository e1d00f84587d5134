package dev.kinko.server.domain;

import dev.kinko.proto.raft.v1.Command;
import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.server.storage.RocksStorage;
import dev.kinko.server.storage.StorageBatch;
import java.util.ArrayList;
import java.util.List;

/** Applies commands as the state machine does with one Raft entry: one batch, one commit. */
final class Entries {
    private Entries() {}

    static List<CommandResult> applyAsOneEntry(CommandApplier applier, RocksStorage storage, long index,
                                               List<Command> commands) {
        StorageBatch batch = storage.newBatch();
        List<CommandResult> results = new ArrayList<>();
        for (Command c : commands) {
            results.add(applier.apply(c, batch));
        }
        storage.commit(batch, 1, index);
        return results;
    }
}
