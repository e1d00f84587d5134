package dev.kinko.server.domain.command.access;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.DeletePolicyCommand;
import dev.kinko.proto.raft.v1.PolicyRecord;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;

public final class DeletePolicyHandler implements CommandHandler<DeletePolicyCommand, Void> {
    @Override
    public Void check(DeletePolicyCommand cmd, long now, StateReader state) {
        PolicyRecord existing = state.policy(cmd.getName()).orElseThrow(() ->
                new KinkoException(Reason.POLICY_NOT_FOUND, "there is no policy named " + cmd.getName()));
        AccessRules.checkWritableHere(existing.getOriginRegion(), "policy " + cmd.getName());
        return null;
    }

    @Override
    public CommandResult apply(DeletePolicyCommand cmd, Void checked, long now, StateWriter state) {
        state.removePolicy(cmd.getName());
        AccessRules.changed(state);
        return CommandResult.newBuilder().setName(cmd.getName()).build();
    }
}
