package dev.kinko.server.domain;

import dev.kinko.proto.raft.v1.AppliedRequest;
import dev.kinko.proto.raft.v1.AddRegionKeyCommand;
import dev.kinko.proto.raft.v1.Command;
import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.CreateSecretCommand;
import dev.kinko.proto.raft.v1.NewVersion;
import dev.kinko.proto.raft.v1.PutValueCommand;
import dev.kinko.proto.raft.v1.RegionKeyRecord;
import dev.kinko.proto.raft.v1.RewrapDataKeyCommand;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.TagResourceCommand;
import dev.kinko.proto.raft.v1.UpdateVersionStageCommand;
import dev.kinko.proto.raft.v1.VersionRecord;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The apply half of every command: a deterministic function of the current
 * state and the command, run identically on every node. Nothing random,
 * clock-dependent or decrypting happens here; a refused command changes
 * nothing and yields a result carrying the reason.
 */
public final class CommandApplier {
    private static final long DAY_MILLIS = 86_400_000L;

    private final String region;
    private final ReplicationApplier replication;
    private final AccessApplier access;

    public CommandApplier(String region) {
        this.region = region;
        this.replication = new ReplicationApplier(region);
        this.access = new AccessApplier(region);
    }

    /** Old request ids dropped per ForgetRequests command. */
    static final int FORGET_BATCH = 10_000;

    /**
     * Applies a command; one that carries a request id applied before returns that first
     * result again (a retry of a write whose reply was lost), and a new one is remembered.
     */
    public CommandResult apply(Command command, StateWriter state) {
        if (command.getRequestId().isEmpty()) {
            return applyOnce(command, state);
        }
        String op = command.getOpCase().name();
        Optional<AppliedRequest> seen = state.appliedRequest(command.getRequestId());
        if (seen.isPresent()) {
            return seen.get().getOp().equals(op) ? seen.get().getResult() : refused(Reason.IDEMPOTENCY_CONFLICT,
                    "request id " + command.getRequestId() + " was used for another operation");
        }
        CommandResult result = applyOnce(command, state);
        if (!transientRefusal(result)) { // a retry of a conflict or an overload must get a fresh try
            state.putAppliedRequest(command.getRequestId(), AppliedRequest.newBuilder().setOp(op)
                    .setAppliedMillis(command.getTimestampMillis()).setResult(result).build());
        }
        return result;
    }

    private static boolean transientRefusal(CommandResult result) {
        if (result.getErrorReason().isEmpty()) {
            return false;
        }
        Reason.Kind kind;
        try {
            kind = Reason.valueOf(result.getErrorReason()).kind();
        } catch (IllegalArgumentException e) {
            return true;
        }
        return kind == Reason.Kind.ABORTED || kind == Reason.Kind.UNAVAILABLE
                || kind == Reason.Kind.RESOURCE_EXHAUSTED || kind == Reason.Kind.INTERNAL;
    }

    /** Runs one command against a savepoint: a refusal rolls back its writes, and only its own. */
    private CommandResult applyOnce(Command command, StateWriter state) {
        state.savepoint();
        CommandResult result;
        try {
            result = dispatch(command, state);
        } catch (KinkoException e) {
            result = refused(e.reason(), e.getMessage()).toBuilder().putAllErrorDetails(e.details()).build();
        } catch (RuntimeException e) {
            state.rollbackToSavepoint();
            throw e;
        }
        if (result.getErrorReason().isEmpty()) {
            state.releaseSavepoint();
        } else {
            state.rollbackToSavepoint();
        }
        return result;
    }

    private CommandResult dispatch(Command command, StateWriter state) {
        {
            long now = command.getTimestampMillis();
            return switch (command.getOpCase()) {
                case CREATE_SECRET -> create(command.getCreateSecret(), now, state);
                case PUT_VALUE -> putValue(command.getPutValue(), now, state);
                case UPDATE_DESCRIPTION -> change(state, command.getUpdateDescription().getSecretId(), now,
                        r -> r.setDescription(command.getUpdateDescription().getDescription()));
                case UPDATE_VERSION_STAGE -> updateStage(command.getUpdateVersionStage(), now, state);
                case SCHEDULE_DELETION -> scheduleDeletion(command.getScheduleDeletion().getSecretId(),
                        command.getScheduleDeletion().getRecoveryWindowDays(), now, state);
                case FORCE_DELETE -> forceDelete(command.getForceDelete().getSecretId(), now, state);
                case RESTORE_SECRET -> restore(command.getRestoreSecret().getSecretId(), now, state);
                case TAG_RESOURCE -> tag(command.getTagResource(), now, state);
                case UNTAG_RESOURCE -> change(state, command.getUntagResource().getSecretId(), now,
                        r -> command.getUntagResource().getKeysList().forEach(r::removeTags));
                case PURGE_SECRET -> purge(command.getPurgeSecret().getSecretId(), now, state);
                case ADD_REGION_KEY -> addRegionKey(command.getAddRegionKey(), state);
                case REWRAP_DATA_KEY -> rewrap(command.getRewrapDataKey(), state);
                case REPLICATE_SECRET -> replication.replicate(command.getReplicateSecret(), now, state);
                case REMOVE_REPLICA_REGIONS -> replication.removeRegions(command.getRemoveReplicaRegions(), now, state);
                case STOP_REPLICATION -> replication.stop(command.getStopReplication(), now, state);
                case APPLY_REPLICATION -> replication.apply(command.getApplyReplication(), now, state);
                case UPDATE_LINK -> replication.updateLink(command.getUpdateLink(), state);
                case PUT_LINK -> replication.putLink(command.getPutLink(), state);
                case DELETE_LINK -> replication.deleteLink(command.getDeleteLink(), state);
                case PROMOTE_REGION -> {
                    CommandResult promoted = replication.promote(now, state);
                    access.adoptAll(state);
                    yield promoted;
                }
                case CONTINUE_PROMOTION -> replication.continuePromotion(now, state);
                case CONTINUE_REGION_COPY -> replication.continueRegionCopy(command.getContinueRegionCopy().getRegion(),
                        now, state);
                case TRUNCATE_JOURNAL -> replication.truncate(command.getTruncateJournal(), state);
                case REPLICA_OUTCOMES -> replication.outcomes(command.getReplicaOutcomes(), now, state);
                case ADD_TRANSPORT_KEY -> addTransportKey(command.getAddTransportKey(), state);
                case REPLICATE_REGION -> replication.replicateRegion(command.getReplicateRegion(), now, state);
                case FORGET_REQUESTS -> forgetRequests(command.getForgetRequests().getAppliedBeforeMillis(), state);
                case PUT_POLICY -> access.putPolicy(command.getPutPolicy(), now, state);
                case DELETE_POLICY -> access.deletePolicy(command.getDeletePolicy().getName(), state);
                case PUT_TOKEN -> access.putToken(command.getPutToken(), state);
                case REVOKE_TOKEN -> access.revokeToken(command.getRevokeToken().getAccessor(), state);
                case APPLY_ACCESS_SYNC -> access.applySync(command.getApplyAccessSync(), state);
                case RECORD_AUDIT_HEAD -> {
                    state.putAuditHead(command.getRecordAuditHead().getHead());
                    yield CommandResult.getDefaultInstance();
                }
                case OP_NOT_SET -> refused(Reason.INTERNAL, "empty command");
            };
        }
    }

    private static CommandResult forgetRequests(long before, StateWriter state) {
        List<String> old = state.requestsAppliedBefore(before, FORGET_BATCH);
        old.forEach(state::removeAppliedRequest);
        return CommandResult.newBuilder().setCount(old.size()).build();
    }

    private CommandResult create(CreateSecretCommand cmd, long now, StateWriter state) {
        Optional<SecretRecord> existing = state.idByName(cmd.getName()).flatMap(state::secretById);
        if (existing.isPresent()) {
            SecretRecord record = existing.get();
            if (cmd.hasVersion() && hasVersion(record, cmd.getVersion().getVersionId())) {
                return versionExisted(record, cmd.getVersion().getVersionId());
            }
            String why = record.getDeletionDateMillis() != 0
                    ? " and is scheduled for deletion; restore it or wait for the purge" : "";
            throw new KinkoException(Reason.SECRET_EXISTS, "a secret named " + cmd.getName() + " already exists" + why);
        }
        SecretRecord.Builder record = SecretRecord.newBuilder()
                .setId(cmd.getSecretId())
                .setName(cmd.getName())
                .setDescription(cmd.getDescription())
                .setCreatedMillis(now)
                .setLastChangedMillis(now)
                .putAllTags(cmd.getTagsMap())
                .setPrimaryRegion(region);
        CommandResult.Builder result = ok(record);
        if (cmd.hasVersion()) {
            addVersion(record, cmd.getVersion(), now, result);
        }
        replication.addReplicas(record, cmd.getReplicaRegionsList(), cmd.getForceOverwrite(), now, state);
        state.putSecret(null, record.build());
        if (cmd.hasVersion()) {
            state.putValue(record.getId(), cmd.getVersion().getVersionId(), cmd.getVersion().getValue());
        }
        return result.build();
    }

    private CommandResult putValue(PutValueCommand cmd, long now, StateWriter state) {
        SecretRecord current = writable(state, cmd.getSecretId());
        if (hasVersion(current, cmd.getVersion().getVersionId())) {
            return versionExisted(current, cmd.getVersion().getVersionId());
        }
        SecretRecord.Builder record = current.toBuilder().setLastChangedMillis(now);
        if (cmd.hasDescription()) {
            record.setDescription(cmd.getDescription());
        }
        CommandResult.Builder result = ok(record);
        addVersion(record, cmd.getVersion(), now, result);
        state.putSecret(current, Journal.changed(state, record.build(), List.of(cmd.getVersion().getVersionId()), now));
        state.putValue(record.getId(), cmd.getVersion().getVersionId(), cmd.getVersion().getValue());
        return result.build();
    }

    /** Adds the version to the record (its value is stored once the record is). */
    private static void addVersion(SecretRecord.Builder record, NewVersion version, long now,
                                   CommandResult.Builder result) {
        VersionLabels labels = new VersionLabels(record.build());
        VersionRecord.Builder added = VersionRecord.newBuilder()
                .setVersionId(version.getVersionId())
                .setCreatedMillis(now)
                .setOrdinal(record.getNextOrdinal());
        record.setNextOrdinal(record.getNextOrdinal() + 1);
        labels.add(added);
        List<String> stages = version.getStagesCount() == 0 ? List.of(Stages.CURRENT) : version.getStagesList();
        boolean first = record.getVersionsCount() == 0;
        stages.forEach(label -> labels.attach(label, added));
        if (first) {
            labels.attach(Stages.CURRENT, added); // a secret's first version is always CURRENT, as in AWS
        }
        labels.prune().orElseThrow(() -> new KinkoException(Reason.VERSION_LIMIT_EXCEEDED,
                "a secret keeps at most " + Limits.MAX_VERSIONS
                        + " versions and none is deprecated; remove a label from an old version first"));
        labels.writeTo(record); // pruned versions lose their keys and values when the record is stored
        result.setVersionId(version.getVersionId()).addAllVersionStages(added.getStagesList());
    }

    private CommandResult updateStage(UpdateVersionStageCommand cmd, long now, StateWriter state) {
        SecretRecord current = writable(state, cmd.getSecretId());
        VersionLabels labels = new VersionLabels(current);
        String label = cmd.getStage();
        Optional<VersionRecord.Builder> holder = labels.holderOf(label);
        if (!cmd.getRemoveFromVersionId().isEmpty()) {
            VersionRecord.Builder from = labels.find(cmd.getRemoveFromVersionId()).orElseThrow(() ->
                    new KinkoException(Reason.VERSION_NOT_FOUND, "remove_from_version_id names no version of this secret"));
            if (!from.getStagesList().contains(label)) {
                throw new KinkoException(Reason.LABEL_CONFLICT,
                        "label " + label + " is not attached to version " + cmd.getRemoveFromVersionId());
            }
        } else if (holder.isPresent() && !holder.get().getVersionId().equals(cmd.getMoveToVersionId())) {
            throw new KinkoException(Reason.LABEL_CONFLICT, "label " + label + " is attached to version "
                    + holder.get().getVersionId() + "; name it in remove_from_version_id to move the label");
        }
        if (cmd.getMoveToVersionId().isEmpty()) {
            if (label.equals(Stages.CURRENT)) {
                throw new KinkoException(Reason.LABEL_CONFLICT,
                        "CURRENT can only be moved to another version, not removed");
            }
            holder.ifPresent(h -> labels.remove(h, label));
        } else {
            VersionRecord.Builder to = labels.find(cmd.getMoveToVersionId()).orElseThrow(() ->
                    new KinkoException(Reason.VERSION_NOT_FOUND, "move_to_version_id names no version of this secret"));
            if (!to.getStagesList().contains(label) && to.getStagesCount() >= Limits.MAX_LABELS_PER_VERSION) {
                throw new KinkoException(Reason.TOO_MANY_LABELS,
                        "a version may carry at most " + Limits.MAX_LABELS_PER_VERSION + " stage labels");
            }
            labels.attach(label, to);
        }
        SecretRecord.Builder record = current.toBuilder().setLastChangedMillis(now);
        labels.writeTo(record);
        state.putSecret(current, Journal.changed(state, record.build(), List.of(), now));
        return ok(record).build();
    }

    private CommandResult scheduleDeletion(String secretId, int days, long now, StateWriter state) {
        SecretRecord current = withoutReplicas(writable(state, secretId));
        long deletionDate = now + days * DAY_MILLIS;
        SecretRecord.Builder record = current.toBuilder().setDeletionDateMillis(deletionDate).setLastChangedMillis(now);
        state.putSecret(current, record.build());
        return ok(record).setDeletionDateMillis(deletionDate).build();
    }

    private CommandResult forceDelete(String secretId, long now, StateWriter state) {
        SecretRecord current = withoutReplicas(primary(existing(state, secretId)));
        state.removeSecret(current);
        return ok(current.toBuilder()).setDeletionDateMillis(now).build();
    }

    private CommandResult restore(String secretId, long now, StateWriter state) {
        SecretRecord current = primary(existing(state, secretId));
        if (current.getDeletionDateMillis() == 0) {
            return ok(current.toBuilder()).build();
        }
        SecretRecord.Builder record = current.toBuilder().setDeletionDateMillis(0).setLastChangedMillis(now);
        state.putSecret(current, record.build());
        return ok(record).build();
    }

    private CommandResult tag(TagResourceCommand cmd, long now, StateWriter state) {
        return change(state, cmd.getSecretId(), now, record -> {
            Map<String, String> merged = new HashMap<>(record.getTagsMap());
            merged.putAll(cmd.getTagsMap());
            if (merged.size() > Limits.MAX_TAGS) {
                throw new KinkoException(Reason.TOO_MANY_TAGS,
                        "a secret may carry at most " + Limits.MAX_TAGS + " tags, this would make " + merged.size());
            }
            record.putAllTags(cmd.getTagsMap());
        });
    }

    /** The leader proposes a purge when it sees the window ended; apply re-checks against the command's time. */
    private CommandResult purge(String secretId, long now, StateWriter state) {
        Optional<SecretRecord> current = state.secretById(secretId);
        if (current.isPresent() && current.get().getDeletionDateMillis() != 0
                && current.get().getDeletionDateMillis() <= now) {
            state.removeSecret(current.get());
        }
        return CommandResult.newBuilder().setSecretId(secretId).build();
    }

    private CommandResult addRegionKey(AddRegionKeyCommand cmd, StateWriter state) {
        RegionKeyRecord key = cmd.getKey();
        int newest = state.regionKeys().stream().mapToInt(RegionKeyRecord::getVersion).max().orElse(0);
        if (key.getVersion() != newest + 1) {
            throw new KinkoException(Reason.REGION_KEY_CONFLICT,
                    "region key version " + key.getVersion() + " does not follow version " + newest + "; retry");
        }
        state.putRegionKey(key);
        return CommandResult.newBuilder().setKeyVersion(key.getVersion()).build();
    }

    private CommandResult rewrap(RewrapDataKeyCommand cmd, StateWriter state) {
        Optional<SealedValue> value = state.value(cmd.getSecretId(), cmd.getVersionId());
        if (value.isPresent() && value.get().getKeyVersion() == cmd.getFromKeyVersion()) {
            state.putValue(cmd.getSecretId(), cmd.getVersionId(), value.get().toBuilder()
                    .setKeyVersion(cmd.getKeyVersion())
                    .setWrappedDataKey(cmd.getWrappedDataKey())
                    .build());
            return CommandResult.newBuilder().setKeyVersion(cmd.getKeyVersion()).build();
        }
        return CommandResult.newBuilder().build();
    }

    private interface Change {
        void on(SecretRecord.Builder record);
    }

    private CommandResult change(StateWriter state, String secretId, long now, Change change) {
        SecretRecord current = writable(state, secretId);
        SecretRecord.Builder record = current.toBuilder().setLastChangedMillis(now);
        change.on(record);
        state.putSecret(current, Journal.changed(state, record.build(), List.of(), now));
        return ok(record).build();
    }

    private CommandResult addTransportKey(dev.kinko.proto.raft.v1.AddTransportKeyCommand cmd, StateWriter state) {
        int newest = state.transportKeys().stream().mapToInt(k -> k.getVersion()).max().orElse(0);
        if (cmd.getKey().getVersion() != newest + 1) {
            throw new KinkoException(Reason.REGION_KEY_CONFLICT, "transport key version "
                    + cmd.getKey().getVersion() + " does not follow version " + newest + "; retry");
        }
        state.putTransportKey(cmd.getKey());
        return CommandResult.newBuilder().setKeyVersion(cmd.getKey().getVersion()).build();
    }

    /** AWS refuses to delete a primary secret that still has replicas; so does Kinko. */
    private static SecretRecord withoutReplicas(SecretRecord record) {
        if (record.getReplicasCount() > 0) {
            throw new KinkoException(Reason.HAS_REPLICAS, "secret " + record.getName()
                    + " is replicated to other regions; remove them from replication first");
        }
        return record;
    }

    /** The secret's writes belong to this region (it is not a replica here). */
    private SecretRecord primary(SecretRecord record) {
        return ReplicationApplier.primaryHere(region, record);
    }

    static SecretRecord existing(StateReader state, String secretId) {
        return state.secretById(secretId).orElseThrow(() ->
                new KinkoException(Reason.SECRET_NOT_FOUND, "the secret no longer exists"));
    }

    /** The secret exists, is not a replica here and is not scheduled for deletion. */
    private SecretRecord writable(StateReader state, String secretId) {
        SecretRecord record = primary(existing(state, secretId));
        if (record.getDeletionDateMillis() != 0) {
            throw new KinkoException(Reason.SCHEDULED_FOR_DELETION, "secret " + record.getName()
                    + " is scheduled for deletion; it can only be described or restored");
        }
        return record;
    }

    private static boolean hasVersion(SecretRecord record, String versionId) {
        return record.getVersionsList().stream().anyMatch(v -> v.getVersionId().equals(versionId));
    }

    private static CommandResult versionExisted(SecretRecord record, String versionId) {
        return ok(record.toBuilder()).setVersionId(versionId).setVersionExisted(true).build();
    }

    private static CommandResult.Builder ok(SecretRecord.Builder record) {
        return CommandResult.newBuilder().setSecretId(record.getId()).setName(record.getName());
    }

    private static CommandResult refused(Reason reason, String message) {
        return CommandResult.newBuilder().setErrorReason(reason.name()).setErrorMessage(message).build();
    }
}
