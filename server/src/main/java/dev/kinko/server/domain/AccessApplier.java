package dev.kinko.server.domain;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.PolicyRecord;
import dev.kinko.proto.raft.v1.PutPolicyCommand;
import dev.kinko.proto.raft.v1.PutTokenCommand;
import dev.kinko.proto.raft.v1.TokenRecord;

/**
 * The apply half of the access commands: policies, tokens and audit chain heads. The leader
 * validated the documents and made the token's hash before the append; here they are stored.
 */
final class AccessApplier {
    CommandResult putPolicy(PutPolicyCommand cmd, long now, StateWriter state) {
        PolicyRecord policy = cmd.getPolicy();
        long created = state.policy(policy.getName()).map(PolicyRecord::getCreatedMillis).orElse(now);
        state.putPolicy(policy.toBuilder().setCreatedMillis(created).setUpdatedMillis(now).build());
        return CommandResult.newBuilder().setName(policy.getName()).build();
    }

    CommandResult deletePolicy(String name, StateWriter state) {
        if (state.policy(name).isEmpty()) {
            throw new KinkoException(Reason.POLICY_NOT_FOUND, "there is no policy named " + name);
        }
        state.removePolicy(name);
        return CommandResult.newBuilder().setName(name).build();
    }

    /** A root token is bootstrapped once per region: a second bootstrap leaves the first in place. */
    CommandResult putToken(PutTokenCommand cmd, StateWriter state) {
        TokenRecord token = cmd.getToken();
        if (cmd.getBootstrapRoot()) {
            for (TokenRecord t : state.tokens()) {
                if (t.getRoot()) {
                    return CommandResult.newBuilder().setName(t.getAccessor()).setCount(0).build();
                }
            }
        }
        state.putToken(token);
        return CommandResult.newBuilder().setName(token.getAccessor()).setCount(1).build();
    }

    CommandResult revokeToken(String accessor, StateWriter state) {
        if (state.token(accessor).isEmpty()) {
            throw new KinkoException(Reason.TOKEN_NOT_FOUND, "there is no token with accessor " + accessor);
        }
        state.removeToken(accessor);
        return CommandResult.newBuilder().setName(accessor).build();
    }
}
