package dev.kinko.server.domain;

import dev.kinko.proto.raft.v1.ApplyAccessSyncCommand;
import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.PolicyRecord;
import dev.kinko.proto.raft.v1.PutPolicyCommand;
import dev.kinko.proto.raft.v1.PutTokenCommand;
import dev.kinko.proto.raft.v1.SourceRecord;
import dev.kinko.proto.raft.v1.TokenRecord;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The apply half of the access commands: policies, tokens and audit chain heads. The leader
 * validated the documents and made the token's hash before the append; here they are stored.
 * A record replicated from a source region is read-only here until this region is promoted;
 * every change of this region's own records moves the access version its links ship by.
 */
final class AccessApplier {
    private final String region;

    AccessApplier(String region) {
        this.region = region;
    }

    CommandResult putPolicy(PutPolicyCommand cmd, long now, StateWriter state) {
        PolicyRecord policy = cmd.getPolicy();
        PolicyRecord existing = state.policy(policy.getName()).orElse(null);
        if (existing != null) {
            writableHere(existing.getOriginRegion(), "policy " + policy.getName());
        }
        long created = existing == null ? now : existing.getCreatedMillis();
        state.putPolicy(policy.toBuilder().setCreatedMillis(created).setUpdatedMillis(now).clearOriginRegion().build());
        changed(state);
        return CommandResult.newBuilder().setName(policy.getName()).build();
    }

    CommandResult deletePolicy(String name, StateWriter state) {
        PolicyRecord existing = state.policy(name).orElseThrow(() ->
                new KinkoException(Reason.POLICY_NOT_FOUND, "there is no policy named " + name));
        writableHere(existing.getOriginRegion(), "policy " + name);
        state.removePolicy(name);
        changed(state);
        return CommandResult.newBuilder().setName(name).build();
    }

    /** A root token is bootstrapped once per region: a second bootstrap leaves the first in place. */
    CommandResult putToken(PutTokenCommand cmd, StateWriter state) {
        TokenRecord token = cmd.getToken();
        if (cmd.getBootstrapRoot()) {
            for (TokenRecord t : state.tokens()) {
                if (t.getRoot() && t.getOriginRegion().isEmpty()) {
                    return CommandResult.newBuilder().setName(t.getAccessor()).setCount(0).build();
                }
            }
        }
        state.putToken(token.toBuilder().clearOriginRegion().build());
        changed(state);
        return CommandResult.newBuilder().setName(token.getAccessor()).setCount(1).build();
    }

    CommandResult revokeToken(String accessor, StateWriter state) {
        TokenRecord existing = state.token(accessor).orElseThrow(() ->
                new KinkoException(Reason.TOKEN_NOT_FOUND, "there is no token with accessor " + accessor));
        writableHere(existing.getOriginRegion(), "token " + accessor);
        state.removeToken(accessor);
        changed(state);
        return CommandResult.newBuilder().setName(accessor).build();
    }

    /**
     * A source region's whole access state replaces what this region held from it. A policy of
     * this region's own with the same name is kept (counted as a conflict) unless the source
     * forces it (failback), the way a same-named secret is; the source's tokens then do not carry
     * that name here, so they never get this region's policy instead of their own. Root tokens
     * never travel, and a token never replaces one of this region's own or another region's.
     * A sync older than the last one applied from the source changes nothing.
     */
    CommandResult applySync(ApplyAccessSyncCommand cmd, StateWriter state) {
        String from = cmd.getSourceRegion();
        if (from.isEmpty() || from.equals(region)) {
            throw new KinkoException(Reason.INVALID_LINK, "source_region must name another region");
        }
        SourceRecord source = state.source(from).orElse(SourceRecord.newBuilder().setRegion(from).build());
        SourceRules.checkNotFenced(region, source, cmd.getEpoch());
        if (state.source(from).isPresent() && cmd.getAccessVersion() <= source.getAccessVersion()) {
            return CommandResult.getDefaultInstance(); // a late sync from a deposed leader
        }
        // a promotion fences every region this one holds anything from
        state.putSource(source.toBuilder().setAccessVersion(cmd.getAccessVersion()).build());
        Set<String> names = new HashSet<>();
        Set<String> conflicting = new HashSet<>();
        for (PolicyRecord p : cmd.getPoliciesList()) {
            names.add(p.getName());
            PolicyRecord mine = state.policy(p.getName()).orElse(null);
            if (mine != null && !mine.getOriginRegion().equals(from) && !cmd.getForceOverwrite()) {
                conflicting.add(p.getName());
                continue;
            }
            state.putPolicy(p.toBuilder().setOriginRegion(from).build());
        }
        Set<String> accessors = new HashSet<>();
        for (TokenRecord t : cmd.getTokensList()) {
            TokenRecord held = state.token(t.getAccessor()).orElse(null);
            if (t.getRoot() || held != null && !held.getOriginRegion().equals(from)) {
                continue;
            }
            accessors.add(t.getAccessor());
            List<String> policies = t.getPoliciesList().stream().filter(p -> !conflicting.contains(p)).toList();
            state.putToken(t.toBuilder().setOriginRegion(from).clearPolicies().addAllPolicies(policies).build());
        }
        for (TokenRecord t : state.tokens()) {
            if (t.getOriginRegion().equals(from) && !accessors.contains(t.getAccessor())) {
                state.removeToken(t.getAccessor()); // revoked in the source region
            }
        }
        long conflicts = conflicting.size();
        for (PolicyRecord p : state.policies()) {
            if (p.getOriginRegion().equals(from) && !names.contains(p.getName())) {
                state.removePolicy(p.getName());
            }
        }
        return CommandResult.newBuilder().setCount(conflicts).build();
    }

    /** After a promotion every replicated policy and token is this region's own: writable, and shipped on. */
    void adoptAll(StateWriter state) {
        for (TokenRecord t : state.tokens()) {
            if (!t.getOriginRegion().isEmpty()) {
                state.putToken(t.toBuilder().clearOriginRegion().build());
            }
        }
        for (PolicyRecord p : state.policies()) {
            if (!p.getOriginRegion().isEmpty()) {
                state.putPolicy(p.toBuilder().clearOriginRegion().build());
            }
        }
        changed(state);
    }

    private static void changed(StateWriter state) {
        state.setAccessVersion(state.accessVersion() + 1);
    }

    private static void writableHere(String origin, String what) {
        if (!origin.isEmpty()) {
            throw new KinkoException(Reason.REPLICA_READ_ONLY, what + " is replicated from region " + origin
                    + " and read-only here; change it there", java.util.Map.of("primary_region", origin));
        }
    }
}
