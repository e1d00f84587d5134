package dev.kinko.server.frontend;

import dev.kinko.proto.raft.v1.Command;
import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.server.consensus.GroupCommitter;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;

/**
 * Stamps commands with the leader's clock and hands them to group commit; a
 * refused command's result comes back as the exception the API maps.
 */
public final class Proposer {
    private final GroupCommitter committer;
    private final Clock clock;

    public Proposer(GroupCommitter committer, Clock clock) {
        this.committer = committer;
        this.clock = clock;
    }

    public long now() {
        return clock.millis();
    }

    public Command.Builder command() {
        return Command.newBuilder().setTimestampMillis(clock.millis());
    }

    public CompletableFuture<CommandResult> submit(Command.Builder command) {
        return committer.submit(command.build()).thenApply(Results::check);
    }
}
