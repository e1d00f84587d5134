package dev.kinko.server.domain.command.access;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.PolicyRecord;
import dev.kinko.proto.raft.v1.PutPolicyCommand;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;
import java.util.Optional;

/** Creates or replaces one of this region's policies (a replaced one keeps its creation time). */
public final class PutPolicyHandler implements CommandHandler<PutPolicyCommand, Optional<PolicyRecord>> {
    @Override
    public Optional<PolicyRecord> check(PutPolicyCommand cmd, long now, StateReader state) {
        Optional<PolicyRecord> existing = state.policy(cmd.getPolicy().getName());
        existing.ifPresent(p -> AccessRules.checkWritableHere(p.getOriginRegion(), "policy " + cmd.getPolicy().getName()));
        return existing;
    }

    @Override
    public CommandResult apply(PutPolicyCommand cmd, Optional<PolicyRecord> existing, long now, StateWriter state) {
        PolicyRecord policy = cmd.getPolicy();
        long created = existing.map(PolicyRecord::getCreatedMillis).orElse(now);
        state.putPolicy(policy.toBuilder().setCreatedMillis(created).setUpdatedMillis(now).clearOriginRegion().build());
        AccessRules.changed(state);
        return CommandResult.newBuilder().setName(policy.getName()).build();
    }
}
