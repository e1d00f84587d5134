package dev.kinko.server.frontend;

import dev.kinko.proto.raft.v1.Command;
import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.server.consensus.GroupCommitter;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;

/**
 * Stamps commands with the leader's clock and hands them to group commit; a
 * refused command's result comes back as the exception the API maps. The clock is
 * a {@link JumpSafeClock}: stamps never go backwards, and a forward jump does not
 * hasten housekeeping.
 */
public final class Proposer {
    private final GroupCommitter committer;
    private final JumpSafeClock clock;

    public Proposer(GroupCommitter committer, Clock clock) {
        this.committer = committer;
        this.clock = new JumpSafeClock(clock);
    }

    public long now() {
        return clock.stamp();
    }

    /** The time that decides purges and forgetting (see {@link JumpSafeClock#housekeepingNow()}). */
    public long housekeepingNow() {
        return clock.housekeepingNow();
    }

    public Command.Builder command() {
        return Command.newBuilder().setTimestampMillis(clock.stamp());
    }

    public CompletableFuture<CommandResult> submit(Command.Builder command) {
        return committer.submit(command.build()).thenApply(Results::check);
    }
}
