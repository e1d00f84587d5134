package dev.kinko.server.domain.command.access;

import dev.kinko.proto.raft.v1.ApplyAccessSyncCommand;
import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.PolicyRecord;
import dev.kinko.proto.raft.v1.SourceRecord;
import dev.kinko.proto.raft.v1.TokenRecord;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.SourceRules;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A source region's whole access state replaces what this region held from it. A policy of
 * this region's own with the same name is kept (counted as a conflict) unless the source
 * forces it (failback), the way a same-named secret is; the source's tokens then do not carry
 * that name here, so they never get this region's policy instead of their own. Root tokens
 * never travel, and a token never replaces one of this region's own or another region's.
 * A sync older than the last one applied from the source changes nothing.
 */
public final class ApplyAccessSyncHandler implements CommandHandler<ApplyAccessSyncCommand, Optional<SourceRecord>> {
    private final String region;

    public ApplyAccessSyncHandler(String region) {
        this.region = region;
    }

    /** The source as this region holds it; empty for a late sync (from a deposed leader), which changes nothing. */
    @Override
    public Optional<SourceRecord> check(ApplyAccessSyncCommand cmd, long now, StateReader state) {
        String from = cmd.getSourceRegion();
        if (from.isEmpty() || from.equals(region)) {
            throw new KinkoException(Reason.INVALID_LINK, "source_region must name another region");
        }
        SourceRecord source = SourceRules.sourceOf(state, from);
        SourceRules.checkNotFenced(region, source, cmd.getEpoch());
        if (state.source(from).isPresent() && cmd.getAccessVersion() <= source.getAccessVersion()) {
            return Optional.empty();
        }
        return Optional.of(source);
    }

    @Override
    public CommandResult apply(ApplyAccessSyncCommand cmd, Optional<SourceRecord> source, long now,
                               StateWriter state) {
        if (source.isEmpty()) {
            return CommandResult.getDefaultInstance();
        }
        String from = cmd.getSourceRegion();
        // a promotion fences every region this one holds anything from
        state.putSource(source.get().toBuilder().setAccessVersion(cmd.getAccessVersion()).build());
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
            // an access key is region-local (sealed under its own region's key): a source never
            // ships one, and one that came anyway is not taken (nor is the region's own replaced)
            if (t.getRoot() || t.hasSealedSecretKey() || held != null && !held.getOriginRegion().equals(from)) {
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
        for (PolicyRecord p : state.policies()) {
            if (p.getOriginRegion().equals(from) && !names.contains(p.getName())) {
                state.removePolicy(p.getName());
            }
        }
        return CommandResult.newBuilder().setCount(conflicting.size()).build();
    }
}
