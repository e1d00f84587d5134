package dev.kinko.server.domain.command.replication;

import dev.kinko.proto.raft.v1.ApplyReplicationCommand;
import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.ReplicaChange;
import dev.kinko.proto.raft.v1.ReplicaOutcome;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.SourceRecord;
import dev.kinko.proto.raft.v1.VersionRecord;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.domain.SecretIds;
import dev.kinko.server.domain.SourceRules;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * In a replica region: a batch of a source region's journal, applied idempotently (a change at
 * or below the source's applied sequence is here already). A replica whose name is taken by
 * another secret here is refused (an outcome for the source), unless the batch forces it; what
 * it replaces is archived, never dropped.
 */
public final class ApplyReplicationHandler implements CommandHandler<ApplyReplicationCommand, SourceRecord> {
    private final String region;

    public ApplyReplicationHandler(String region) {
        this.region = region;
    }

    /** The source, if it is neither fenced by a promotion here nor ahead of what this region applied. */
    @Override
    public SourceRecord check(ApplyReplicationCommand cmd, long now, StateReader state) {
        SourceRecord source = SourceRules.sourceOf(state, cmd.getSourceRegion());
        SourceRules.checkNotFenced(region, source, cmd.getEpoch());
        SourceRules.checkNoGap(region, source, cmd.getFirstSeq(), cmd.getReseed());
        return source;
    }

    @Override
    public CommandResult apply(ApplyReplicationCommand cmd, SourceRecord source, long now, StateWriter state) {
        SourceRecord.Builder src = source.toBuilder().setEpoch(Math.max(source.getEpoch(), cmd.getEpoch()));
        List<ReplicaOutcome> outcomes = new ArrayList<>();
        for (ReplicaChange change : cmd.getChangesList()) {
            if (!cmd.getReseed() && change.getSeq() <= source.getAppliedSeq()) {
                continue; // shipped again after a leader change: already here
            }
            if (change.getDetach()) {
                applyDetach(change, cmd.getSourceRegion(), src, now, state);
            } else {
                applyUpsert(change, src, now, state).ifPresent(outcomes::add);
            }
        }
        if (cmd.getReseed()) {
            dropUncopied(cmd, now, state);
        }
        if (cmd.getReseedComplete()) {
            // a full copy defines what is here, also when the source's journal went back (restored from a backup)
            src.setAppliedSeq(cmd.getLastSeq());
        } else if (!cmd.getReseed()) {
            src.setAppliedSeq(Math.max(source.getAppliedSeq(), cmd.getLastSeq()));
        }
        // stopped here: the primary keeps hearing it until it journals the detach
        for (String id : src.getDetachedIdsList()) {
            outcomes.add(ReplicaOutcome.newBuilder().setSecretId(id).setDetached(true).build());
        }
        state.putSource(src.build());
        return CommandResult.newBuilder().setAppliedSeq(src.getAppliedSeq()).setEpoch(src.getEpoch())
                .addAllOutcomes(outcomes).build();
    }

    /**
     * A re-seed batch covers a range of secret ids: a replica from the source in that range that
     * the batch does not carry is no longer replicated here (its detach was in the truncated
     * journal), so it becomes standalone. The ranges of a re-seed's batches follow each other,
     * so the walk is bounded by what the batch carries plus what it drops.
     */
    private void dropUncopied(ApplyReplicationCommand cmd, long now, StateWriter state) {
        boolean legacy = cmd.getReseedIdsCount() > 0; // layout v1: the last batch listed every id
        String through = cmd.getReseedComplete() ? "" : cmd.getReseedThroughId();
        if (!cmd.getReseedComplete() && through.isEmpty()) {
            return;
        }
        Set<String> carried = new HashSet<>(cmd.getReseedIdsList());
        cmd.getChangesList().forEach(c -> carried.add(c.getSecretId()));
        String after = legacy ? "" : cmd.getReseedAfterId();
        while (true) {
            List<String> ids = state.secretsWithPrimary(cmd.getSourceRegion(), after, Limits.CHUNK_SECRETS);
            for (String id : ids) {
                if (!through.isEmpty() && SecretIds.compare(id, through) > 0) {
                    return;
                }
                if (!carried.contains(id)) {
                    state.secretById(id).ifPresent(s -> Standalone.make(region, s, now, state));
                }
            }
            if (ids.size() < Limits.CHUNK_SECRETS) {
                return;
            }
            after = ids.get(ids.size() - 1);
        }
    }

    private void applyDetach(ReplicaChange change, String source, SourceRecord.Builder src, long now,
                             StateWriter state) {
        List<String> pending = new ArrayList<>(src.getDetachedIdsList());
        if (pending.remove(change.getSecretId())) {
            src.clearDetachedIds().addAllDetachedIds(pending);
        }
        state.secretById(change.getSecretId())
                .filter(s -> s.getPrimaryRegion().equals(source))
                .ifPresent(s -> Standalone.make(region, s, now, state));
    }

    /** Stores the shipped secret as a replica; the outcome for the source when it is refused or stopped here. */
    private Optional<ReplicaOutcome> applyUpsert(ReplicaChange change, SourceRecord.Builder src, long now,
                                                 StateWriter state) {
        String source = src.getRegion();
        String name = change.getSecret().getName();
        Optional<SecretRecord> existing = state.secretById(change.getSecretId());
        if (existing.isPresent() && !existing.get().getPrimaryRegion().equals(source)) {
            if (src.getDetachedIdsList().contains(change.getSecretId())) {
                // stopped here (now standalone): the source should drop this region
                return Optional.of(ReplicaOutcome.newBuilder().setSecretId(change.getSecretId())
                        .setSeq(change.getSeq()).setDetached(true).build());
            }
            if (!change.getForceOverwrite()) {
                return Optional.of(conflict(change, name));
            }
            state.archiveSecret(existing.get(), now); // e.g. failback onto the old primary: kept, not dropped
            existing = Optional.empty();
        }
        if (existing.isEmpty()) {
            Optional<SecretRecord> sameName = state.idByName(name).flatMap(state::secretById);
            if (sameName.isPresent()) {
                if (!change.getForceOverwrite()) {
                    return Optional.of(conflict(change, name));
                }
                state.archiveSecret(sameName.get(), now);
            }
        }
        SecretRecord replica = withLocalOrdinals(change.getSecret().toBuilder().setPrimaryRegion(source)
                .clearReplicas(), existing);
        Set<String> kept = new HashSet<>();
        replica.getVersionsList().stream().map(VersionRecord::getVersionId).forEach(kept::add);
        state.putSecret(existing.orElse(null), replica); // versions it no longer lists go, values too
        change.getValuesMap().forEach((versionId, sealed) -> {
            if (kept.contains(versionId)) {
                state.putValue(replica.getId(), versionId, sealed);
            }
        });
        return Optional.empty();
    }

    /**
     * Ordinals are this region's own: a version the replica holds keeps its ordinal, a new one
     * takes the next, whatever ordinals the source gave them.
     */
    private static SecretRecord withLocalOrdinals(SecretRecord.Builder shipped, Optional<SecretRecord> existing) {
        Map<String, Long> held = new HashMap<>();
        existing.ifPresent(e -> e.getVersionsList().forEach(v -> held.put(v.getVersionId(), v.getOrdinal())));
        long next = existing.map(SecretRecord::getNextOrdinal).orElse(0L);
        for (int i = 0; i < shipped.getVersionsCount(); i++) {
            VersionRecord v = shipped.getVersions(i);
            Long ordinal = held.get(v.getVersionId());
            if (ordinal == null) {
                ordinal = next++;
            }
            shipped.setVersions(i, v.toBuilder().setOrdinal(ordinal));
        }
        return shipped.setNextOrdinal(next).build();
    }

    private ReplicaOutcome conflict(ReplicaChange change, String name) {
        return ReplicaOutcome.newBuilder().setSecretId(change.getSecretId()).setSeq(change.getSeq())
                .setFailureMessage("Secret name " + name + " already exists in region " + region).build();
    }
}
