package dev.kinko.server.domain.command;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.ForgetRequestsCommand;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import java.util.List;

/** Drops the oldest remembered request results (the leader proposes it on its purge timer). */
public final class ForgetRequestsHandler implements CommandHandler<ForgetRequestsCommand, List<String>> {
    /** Old request ids dropped per ForgetRequests command, so one entry never holds the apply thread long. */
    static final int FORGET_BATCH = 10_000;

    @Override
    public List<String> check(ForgetRequestsCommand cmd, long now, StateReader state) {
        return state.requestsAppliedBefore(cmd.getAppliedBeforeMillis(), FORGET_BATCH);
    }

    @Override
    public CommandResult apply(ForgetRequestsCommand cmd, List<String> old, long now, StateWriter state) {
        old.forEach(state::removeAppliedRequest);
        return CommandResult.newBuilder().setCount(old.size()).build();
    }
}
