package dev.kinko.server.domain;

import dev.kinko.proto.raft.v1.ApplyReplicationCommand;
import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.DeleteLinkCommand;
import dev.kinko.proto.raft.v1.LinkRecord;
import dev.kinko.proto.raft.v1.PromotionRecord;
import dev.kinko.proto.raft.v1.PutLinkCommand;
import dev.kinko.proto.raft.v1.RemoveReplicaRegionsCommand;
import dev.kinko.proto.raft.v1.ReplicaChange;
import dev.kinko.proto.raft.v1.ReplicaOutcome;
import dev.kinko.proto.raft.v1.ReplicaOutcomesCommand;
import dev.kinko.proto.raft.v1.ReplicaRecord;
import dev.kinko.proto.raft.v1.ReplicateRegionCommand;
import dev.kinko.proto.raft.v1.ReplicateSecretCommand;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.SourceRecord;
import dev.kinko.proto.raft.v1.StopReplicationCommand;
import dev.kinko.proto.raft.v1.TruncateJournalCommand;
import dev.kinko.proto.raft.v1.UpdateLinkCommand;
import dev.kinko.proto.raft.v1.VersionRecord;
import dev.kinko.server.domain.command.Journal;
import dev.kinko.server.domain.command.Secrets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The apply half of cross-region replication, on both sides of a link: the
 * primary region's replica bookkeeping, links and journal; the replica
 * region's idempotent apply of shipped batches, stop-replication and
 * promotion. Deterministic like {@link CommandApplier}.
 */
final class ReplicationApplier {
    private final String region;

    ReplicationApplier(String region) {
        this.region = region;
    }

    // --- primary region: which regions a secret goes to -------------------------------------

    /** Adds replica regions to a secret being built, journaling a full copy for each new one. */
    void addReplicas(SecretRecord.Builder record, List<String> regions, boolean force, long now, StateWriter state) {
        if (regions.isEmpty()) {
            return;
        }
        List<String> added = new ArrayList<>();
        for (String r : new LinkedHashSet<>(regions)) {
            checkDestination(r, state);
            Optional<ReplicaRecord> existing = record.getReplicasList().stream()
                    .filter(x -> x.getRegion().equals(r)).findFirst();
            if (existing.isPresent() && existing.get().getFailureMessage().isEmpty() && !force) {
                continue; // already replicated there
            }
            added.add(r);
        }
        if (added.isEmpty()) {
            return;
        }
        long seq = Journal.appendFull(state, record.getId(), added, force, now);
        List<ReplicaRecord> kept = new ArrayList<>(record.getReplicasList().stream()
                .filter(x -> !added.contains(x.getRegion())).toList());
        for (String r : added) {
            kept.add(ReplicaRecord.newBuilder().setRegion(r).setLastSeq(seq).setLastChangeMillis(now).build());
        }
        kept.sort((a, b) -> a.getRegion().compareTo(b.getRegion()));
        record.clearReplicas().addAllReplicas(kept);
    }

    private void checkDestination(String destination, StateReader state) {
        if (destination.equals(region)) {
            throw new KinkoException(Reason.INVALID_REPLICA_REGION,
                    "region " + destination + " is this secret's own (primary) region");
        }
        if (state.link(destination).isEmpty()) {
            throw new KinkoException(Reason.UNKNOWN_REGION, "region " + destination
                    + " is not linked to region " + region + "; add a region link first");
        }
    }

    CommandResult replicate(ReplicateSecretCommand cmd, long now, StateWriter state) {
        SecretRecord current = Secrets.primaryHere(region, Secrets.existing(state, cmd.getSecretId()));
        if (current.getDeletionDateMillis() != 0) {
            throw new KinkoException(Reason.SCHEDULED_FOR_DELETION,
                    "secret " + current.getName() + " is scheduled for deletion");
        }
        SecretRecord.Builder record = current.toBuilder();
        addReplicas(record, cmd.getRegionsList(), cmd.getForceOverwrite(), now, state);
        state.putSecret(current, record.build());
        return ok(record.build());
    }

    /**
     * Failback: every secret this region owns goes to {@code region} too. A large region is
     * copied in chunks, one per Raft entry; the link keeps where the copy is, so a new leader
     * goes on with {@link #continueRegionCopy}.
     */
    CommandResult replicateRegion(ReplicateRegionCommand cmd, long now, StateWriter state) {
        checkDestination(cmd.getRegion(), state);
        LinkRecord.Builder link = state.link(cmd.getRegion()).orElseThrow().toBuilder()
                .setRegionCopyPending(true).setRegionCopyForce(cmd.getForceOverwrite()).setRegionCopyAfterId("");
        if (cmd.getForceOverwrite()) {
            // a failback: the region's policies win over same-named ones there, as its secrets do
            link.setAccessForceOverwrite(true).setAccessShipped(0);
        }
        state.putLink(link.build());
        return continueRegionCopy(cmd.getRegion(), now, state);
    }

    /** The next chunk of a ReplicateRegion: at most {@link Limits#CHUNK_SECRETS} secrets. */
    CommandResult continueRegionCopy(String destination, long now, StateWriter state) {
        LinkRecord link = state.link(destination).orElseThrow(() ->
                new KinkoException(Reason.UNKNOWN_REGION, "there is no link to region " + destination));
        if (!link.getRegionCopyPending()) {
            return CommandResult.getDefaultInstance();
        }
        List<String> ids = state.secretsWithPrimary(region, link.getRegionCopyAfterId(), Limits.CHUNK_SECRETS);
        long count = 0;
        for (String id : ids) {
            Optional<SecretRecord> s = state.secretById(id);
            if (s.isPresent() && s.get().getDeletionDateMillis() == 0) {
                SecretRecord.Builder b = s.get().toBuilder();
                addReplicas(b, List.of(destination), link.getRegionCopyForce(), now, state);
                state.putSecret(s.get(), b.build());
                count++;
            }
        }
        boolean more = ids.size() == Limits.CHUNK_SECRETS;
        LinkRecord.Builder next = link.toBuilder().setRegionCopyPending(more)
                .setRegionCopyAfterId(more ? ids.get(ids.size() - 1) : "");
        if (!more) {
            next.setRegionCopyForce(false);
        }
        state.putLink(next.build());
        return CommandResult.newBuilder().setCount(count).setMore(more).build();
    }

    CommandResult removeRegions(RemoveReplicaRegionsCommand cmd, long now, StateWriter state) {
        SecretRecord current = Secrets.primaryHere(region, Secrets.existing(state, cmd.getSecretId()));
        Set<String> replicas = new HashSet<>();
        current.getReplicasList().forEach(r -> replicas.add(r.getRegion()));
        for (String r : cmd.getRegionsList()) {
            if (!replicas.contains(r)) {
                throw new KinkoException(Reason.NOT_A_REPLICA,
                        "region " + r + " is not a replica region of secret " + current.getName());
            }
        }
        SecretRecord updated = detach(state, current, cmd.getRegionsList(), now);
        state.putSecret(current, updated);
        return ok(updated);
    }

    /** Drops regions from a secret's replicas and journals a detach so their replicas become standalone. */
    private static SecretRecord detach(StateWriter state, SecretRecord record, List<String> regions, long now) {
        Journal.appendDetach(state, record.getId(), regions, now);
        return record.toBuilder().clearReplicas()
                .addAllReplicas(record.getReplicasList().stream().filter(r -> !regions.contains(r.getRegion())).toList())
                .build();
    }

    // --- replica region ------------------------------------------------------------------------

    CommandResult stop(StopReplicationCommand cmd, long now, StateWriter state) {
        SecretRecord current = Secrets.existing(state, cmd.getSecretId());
        if (current.getPrimaryRegion().equals(region)) {
            throw new KinkoException(Reason.NOT_A_REPLICA,
                    "secret " + current.getName() + " is not a replica here; its primary region is " + region);
        }
        String source = current.getPrimaryRegion();
        state.putSecret(current, current.toBuilder().setPrimaryRegion(region).setLastChangedMillis(now).build());
        SourceRecord src = state.source(source).orElse(SourceRecord.newBuilder().setRegion(source).build());
        if (!src.getDetachedIdsList().contains(current.getId())) {
            state.putSource(src.toBuilder().addDetachedIds(current.getId()).build());
        }
        return ok(current);
    }

    CommandResult apply(ApplyReplicationCommand cmd, long now, StateWriter state) {
        SourceRecord source = state.source(cmd.getSourceRegion())
                .orElse(SourceRecord.newBuilder().setRegion(cmd.getSourceRegion()).build());
        SourceRules.checkNotFenced(region, source, cmd.getEpoch());
        SourceRules.checkNoGap(region, source, cmd.getFirstSeq(), cmd.getReseed());
        SourceRecord.Builder src = source.toBuilder().setEpoch(Math.max(source.getEpoch(), cmd.getEpoch()));
        List<ReplicaOutcome> outcomes = new ArrayList<>();
        for (ReplicaChange change : cmd.getChangesList()) {
            if (!cmd.getReseed() && change.getSeq() <= source.getAppliedSeq()) {
                continue; // shipped again after a leader change: already here
            }
            ReplicaOutcome outcome = change.getDetach() ? applyDetach(change, cmd.getSourceRegion(), src, now, state)
                    : applyUpsert(change, src, now, state);
            if (outcome != null) {
                outcomes.add(outcome);
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
                    state.secretById(id).ifPresent(s -> state.putSecret(s,
                            s.toBuilder().setPrimaryRegion(region).setLastChangedMillis(now).build()));
                }
            }
            if (ids.size() < Limits.CHUNK_SECRETS) {
                return;
            }
            after = ids.get(ids.size() - 1);
        }
    }

    private ReplicaOutcome applyDetach(ReplicaChange change, String source, SourceRecord.Builder src, long now,
                                       StateWriter state) {
        List<String> pending = new ArrayList<>(src.getDetachedIdsList());
        if (pending.remove(change.getSecretId())) {
            src.clearDetachedIds().addAllDetachedIds(pending);
        }
        state.secretById(change.getSecretId())
                .filter(s -> s.getPrimaryRegion().equals(source))
                .ifPresent(s -> state.putSecret(s, s.toBuilder().setPrimaryRegion(region).setLastChangedMillis(now).build()));
        return null;
    }

    private ReplicaOutcome applyUpsert(ReplicaChange change, SourceRecord.Builder src, long now, StateWriter state) {
        String source = src.getRegion();
        String name = change.getSecret().getName();
        Optional<SecretRecord> existing = state.secretById(change.getSecretId());
        if (existing.isPresent() && !existing.get().getPrimaryRegion().equals(source)) {
            if (src.getDetachedIdsList().contains(change.getSecretId())) {
                // stopped here (now standalone): the source should drop this region
                return ReplicaOutcome.newBuilder().setSecretId(change.getSecretId()).setSeq(change.getSeq())
                        .setDetached(true).build();
            }
            if (!change.getForceOverwrite()) {
                return conflict(change, name);
            }
            state.archiveSecret(existing.get(), now); // e.g. failback onto the old primary: kept, not dropped
            existing = Optional.empty();
        }
        if (existing.isEmpty()) {
            Optional<SecretRecord> sameName = state.idByName(name).flatMap(state::secretById);
            if (sameName.isPresent()) {
                if (!change.getForceOverwrite()) {
                    return conflict(change, name);
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
        return null;
    }

    /**
     * Ordinals are this region's own: a version the replica holds keeps its ordinal, a new one
     * takes the next, whatever ordinals the source gave them.
     */
    private static SecretRecord withLocalOrdinals(SecretRecord.Builder shipped, Optional<SecretRecord> existing) {
        java.util.Map<String, Long> held = new java.util.HashMap<>();
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

    /**
     * Disaster recovery: every source is fenced at once, then every replica secret becomes
     * standalone here, in chunks of one Raft entry each; the promotion record in the state says
     * a chunk is left, so a new leader finishes it ({@link #continuePromotion}).
     */
    CommandResult promote(long now, StateWriter state) {
        if (state.promotion().isPresent()) {
            return continuePromotion(now, state); // asked again while one runs: go on with it
        }
        Set<String> fenced = new java.util.TreeSet<>();
        state.sources().stream().filter(s -> !s.getPromoted()).forEach(s -> fenced.add(s.getRegion()));
        state.primaryRegions().stream().filter(r -> !r.equals(region)).forEach(fenced::add);
        if (fenced.isEmpty()) {
            throw new KinkoException(Reason.NOT_A_REPLICA_REGION,
                    "region " + region + " is not a replica region: no secret here is replicated from another region");
        }
        for (String r : fenced) {
            SourceRecord s = state.source(r).orElse(SourceRecord.newBuilder().setRegion(r).build());
            state.putSource(s.toBuilder().setEpoch(s.getEpoch() + 1).setPromoted(true).setPromotedMillis(now)
                    .clearDetachedIds().build());
        }
        state.putPromotion(PromotionRecord.newBuilder().setStartedMillis(now).build());
        return continuePromotion(now, state);
    }

    /** The next chunk of a promotion: at most {@link Limits#CHUNK_SECRETS} replicas become standalone. */
    CommandResult continuePromotion(long now, StateWriter state) {
        Optional<PromotionRecord> promotion = state.promotion();
        if (promotion.isEmpty()) {
            return CommandResult.getDefaultInstance();
        }
        int done = 0;
        for (String source : state.primaryRegions()) {
            if (source.equals(region)) {
                continue;
            }
            // a secret made standalone leaves its source's index: the next chunk starts from the first again
            for (String id : state.secretsWithPrimary(source, "", Limits.CHUNK_SECRETS - done)) {
                SecretRecord s = state.secretById(id).orElseThrow();
                state.putSecret(s, s.toBuilder().setPrimaryRegion(region).setLastChangedMillis(now).build());
                done++;
            }
            if (done == Limits.CHUNK_SECRETS) {
                break;
            }
        }
        long promoted = promotion.get().getPromoted() + done;
        boolean more = done == Limits.CHUNK_SECRETS;
        if (more) {
            state.putPromotion(promotion.get().toBuilder().setPromoted(promoted).build());
        } else {
            state.clearPromotion();
        }
        return CommandResult.newBuilder().setCount(promoted).setMore(more).build();
    }

    // --- primary region: links and the journal ----------------------------------------------

    CommandResult putLink(PutLinkCommand cmd, StateWriter state) {
        if (cmd.getRegion().equals(region)) {
            throw new KinkoException(Reason.INVALID_LINK, "a region cannot link to itself");
        }
        // A new link starts with a full copy: the region may already hold this region's changes under
        // sequences it would skip as seen (a link removed and added again, or this region restored).
        LinkRecord link = state.link(cmd.getRegion())
                .orElse(LinkRecord.newBuilder().setRegion(cmd.getRegion()).setReseedRequired(true).build());
        state.putLink(link.toBuilder().clearAddresses().addAllAddresses(cmd.getAddressesList()).build());
        return CommandResult.getDefaultInstance();
    }

    CommandResult deleteLink(DeleteLinkCommand cmd, StateWriter state) {
        if (state.link(cmd.getRegion()).isEmpty()) {
            throw new KinkoException(Reason.UNKNOWN_REGION, "there is no link to region " + cmd.getRegion());
        }
        for (String id : state.secretsReplicatedTo(cmd.getRegion(), "", 1)) {
            String name = state.header(id).map(SecretRecord::getName).orElse(id);
            throw new KinkoException(Reason.LINK_IN_USE, "secret " + name + " is replicated to region "
                    + cmd.getRegion() + "; remove the region from its replication first");
        }
        state.removeLink(cmd.getRegion());
        return CommandResult.getDefaultInstance();
    }

    CommandResult updateLink(UpdateLinkCommand cmd, StateWriter state) {
        LinkRecord link = state.link(cmd.getRegion()).orElseThrow(() ->
                new KinkoException(Reason.UNKNOWN_REGION, "there is no link to region " + cmd.getRegion()));
        LinkRecord.Builder b = link.toBuilder();
        if (cmd.getWatermark() > link.getWatermark() || cmd.getRewound()) {
            b.setWatermark(cmd.getWatermark());
        }
        if (cmd.getAckedMillis() > link.getAckedMillis()) {
            b.setAckedMillis(cmd.getAckedMillis());
        }
        if (cmd.getReseeded()) {
            b.setReseedRequired(false);
        }
        if (cmd.getAccessShipped() > link.getAccessShipped()) {
            b.setAccessShipped(cmd.getAccessShipped());
        }
        if (cmd.getFenced()) {
            b.setFenced(true).setEpoch(Math.max(link.getEpoch(), cmd.getPromotedEpoch()))
                    .setPromotedMillis(cmd.getPromotedMillis()).setReplicaAppliedSeq(cmd.getReplicaAppliedSeq());
        }
        state.putLink(b.build());
        return CommandResult.getDefaultInstance();
    }

    CommandResult truncate(TruncateJournalCommand cmd, StateWriter state) {
        state.truncateJournal(Math.min(cmd.getUpTo(), state.journalHead()));
        return CommandResult.getDefaultInstance();
    }

    /** What a replica region reported: refused secrets are marked Failed; stopped ones are dropped. */
    CommandResult outcomes(ReplicaOutcomesCommand cmd, long now, StateWriter state) {
        for (ReplicaOutcome o : cmd.getOutcomesList()) {
            Optional<SecretRecord> found = state.secretById(o.getSecretId());
            if (found.isEmpty()) {
                continue;
            }
            SecretRecord s = found.get();
            Optional<ReplicaRecord> replica = s.getReplicasList().stream()
                    .filter(r -> r.getRegion().equals(cmd.getRegion())).findFirst();
            if (replica.isEmpty()) {
                continue;
            }
            if (o.getDetached()) {
                state.putSecret(s, detach(state, s, List.of(cmd.getRegion()), now));
            } else if (!o.getFailureMessage().isEmpty() && replica.get().getLastSeq() <= o.getSeq()) {
                SecretRecord.Builder b = s.toBuilder();
                for (int i = 0; i < b.getReplicasCount(); i++) {
                    if (b.getReplicas(i).getRegion().equals(cmd.getRegion())) {
                        b.setReplicas(i, b.getReplicas(i).toBuilder().setFailureMessage(o.getFailureMessage())
                                .setFailedSeq(o.getSeq()));
                    }
                }
                state.putSecret(s, b.build());
            }
        }
        return CommandResult.getDefaultInstance();
    }

    private static CommandResult ok(SecretRecord record) {
        return CommandResult.newBuilder().setSecretId(record.getId()).setName(record.getName()).build();
    }
}
