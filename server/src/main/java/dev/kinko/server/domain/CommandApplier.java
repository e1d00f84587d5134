package dev.kinko.server.domain;

import dev.kinko.proto.raft.v1.AppliedRequest;
import dev.kinko.proto.raft.v1.Command;
import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.server.domain.command.CommandHandler;
import dev.kinko.server.domain.command.ForgetRequestsHandler;
import dev.kinko.server.domain.command.access.ApplyAccessSyncHandler;
import dev.kinko.server.domain.command.access.DeletePolicyHandler;
import dev.kinko.server.domain.command.access.PutPolicyHandler;
import dev.kinko.server.domain.command.access.PutTokenHandler;
import dev.kinko.server.domain.command.access.RecordAuditHeadHandler;
import dev.kinko.server.domain.command.access.RevokeTokenHandler;
import dev.kinko.server.domain.command.keys.AddRegionKeyHandler;
import dev.kinko.server.domain.command.keys.AddTransportKeyHandler;
import dev.kinko.server.domain.command.keys.RewrapDataKeyHandler;
import dev.kinko.server.domain.command.replication.ApplyReplicationHandler;
import dev.kinko.server.domain.command.replication.ContinuePromotionHandler;
import dev.kinko.server.domain.command.replication.ContinueRegionCopyHandler;
import dev.kinko.server.domain.command.replication.DeleteLinkHandler;
import dev.kinko.server.domain.command.replication.PromoteRegionHandler;
import dev.kinko.server.domain.command.replication.PutLinkHandler;
import dev.kinko.server.domain.command.replication.RemoveReplicaRegionsHandler;
import dev.kinko.server.domain.command.replication.ReplicaOutcomesHandler;
import dev.kinko.server.domain.command.replication.ReplicateRegionHandler;
import dev.kinko.server.domain.command.replication.ReplicateSecretHandler;
import dev.kinko.server.domain.command.replication.StopReplicationHandler;
import dev.kinko.server.domain.command.replication.TruncateJournalHandler;
import dev.kinko.server.domain.command.replication.UpdateLinkHandler;
import dev.kinko.server.domain.command.secret.CancelRotationHandler;
import dev.kinko.server.domain.command.secret.ConfigureRotationHandler;
import dev.kinko.server.domain.command.secret.CreateSecretHandler;
import dev.kinko.server.domain.command.secret.RotationStepHandler;
import dev.kinko.server.domain.command.secret.StartRotationHandler;
import dev.kinko.server.domain.command.secret.ForceDeleteHandler;
import dev.kinko.server.domain.command.secret.PurgeSecretHandler;
import dev.kinko.server.domain.command.secret.PutValueHandler;
import dev.kinko.server.domain.command.secret.RestoreSecretHandler;
import dev.kinko.server.domain.command.secret.ScheduleDeletionHandler;
import dev.kinko.server.domain.command.secret.TagResourceHandler;
import dev.kinko.server.domain.command.secret.UntagResourceHandler;
import dev.kinko.server.domain.command.secret.UpdateDescriptionHandler;
import dev.kinko.server.domain.command.secret.UpdateVersionStageHandler;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The apply half of every command: a deterministic function of the current state and the
 * command, run identically on every node. Nothing random, clock-dependent or decrypting
 * happens here. Each op has its own {@link CommandHandler}; this class only finds it, answers
 * retried request ids, and holds a savepoint around the command so a refused one changes
 * nothing and yields a result carrying the reason.
 */
public final class CommandApplier {
    private final Map<Command.OpCase, Registered<?, ?>> handlers = new EnumMap<>(Command.OpCase.class);

    public CommandApplier(String region) {
        register(Command.OpCase.CREATE_SECRET, Command::getCreateSecret, new CreateSecretHandler(region));
        register(Command.OpCase.PUT_VALUE, Command::getPutValue, new PutValueHandler(region));
        register(Command.OpCase.UPDATE_DESCRIPTION, Command::getUpdateDescription, new UpdateDescriptionHandler(region));
        register(Command.OpCase.UPDATE_VERSION_STAGE, Command::getUpdateVersionStage,
                new UpdateVersionStageHandler(region));
        register(Command.OpCase.SCHEDULE_DELETION, Command::getScheduleDeletion, new ScheduleDeletionHandler(region));
        register(Command.OpCase.FORCE_DELETE, Command::getForceDelete, new ForceDeleteHandler(region));
        register(Command.OpCase.RESTORE_SECRET, Command::getRestoreSecret, new RestoreSecretHandler(region));
        register(Command.OpCase.TAG_RESOURCE, Command::getTagResource, new TagResourceHandler(region));
        register(Command.OpCase.UNTAG_RESOURCE, Command::getUntagResource, new UntagResourceHandler(region));
        register(Command.OpCase.PURGE_SECRET, Command::getPurgeSecret, new PurgeSecretHandler());
        register(Command.OpCase.CONFIGURE_ROTATION, Command::getConfigureRotation, new ConfigureRotationHandler(region));
        register(Command.OpCase.START_ROTATION, Command::getStartRotation, new StartRotationHandler(region));
        register(Command.OpCase.ROTATION_STEP, Command::getRotationStep, new RotationStepHandler(region));
        register(Command.OpCase.CANCEL_ROTATION, Command::getCancelRotation, new CancelRotationHandler(region));

        register(Command.OpCase.ADD_REGION_KEY, Command::getAddRegionKey, new AddRegionKeyHandler());
        register(Command.OpCase.REWRAP_DATA_KEY, Command::getRewrapDataKey, new RewrapDataKeyHandler());
        register(Command.OpCase.ADD_TRANSPORT_KEY, Command::getAddTransportKey, new AddTransportKeyHandler());

        register(Command.OpCase.REPLICATE_SECRET, Command::getReplicateSecret, new ReplicateSecretHandler(region));
        register(Command.OpCase.REMOVE_REPLICA_REGIONS, Command::getRemoveReplicaRegions,
                new RemoveReplicaRegionsHandler(region));
        register(Command.OpCase.STOP_REPLICATION, Command::getStopReplication, new StopReplicationHandler(region));
        register(Command.OpCase.APPLY_REPLICATION, Command::getApplyReplication, new ApplyReplicationHandler(region));
        register(Command.OpCase.UPDATE_LINK, Command::getUpdateLink, new UpdateLinkHandler());
        register(Command.OpCase.PUT_LINK, Command::getPutLink, new PutLinkHandler(region));
        register(Command.OpCase.DELETE_LINK, Command::getDeleteLink, new DeleteLinkHandler());
        register(Command.OpCase.PROMOTE_REGION, Command::getPromoteRegion, new PromoteRegionHandler(region));
        register(Command.OpCase.CONTINUE_PROMOTION, Command::getContinuePromotion, new ContinuePromotionHandler(region));
        register(Command.OpCase.CONTINUE_REGION_COPY, Command::getContinueRegionCopy,
                new ContinueRegionCopyHandler(region));
        register(Command.OpCase.TRUNCATE_JOURNAL, Command::getTruncateJournal, new TruncateJournalHandler());
        register(Command.OpCase.REPLICA_OUTCOMES, Command::getReplicaOutcomes, new ReplicaOutcomesHandler());
        register(Command.OpCase.REPLICATE_REGION, Command::getReplicateRegion, new ReplicateRegionHandler(region));

        register(Command.OpCase.FORGET_REQUESTS, Command::getForgetRequests, new ForgetRequestsHandler());

        register(Command.OpCase.PUT_POLICY, Command::getPutPolicy, new PutPolicyHandler());
        register(Command.OpCase.DELETE_POLICY, Command::getDeletePolicy, new DeletePolicyHandler());
        register(Command.OpCase.PUT_TOKEN, Command::getPutToken, new PutTokenHandler());
        register(Command.OpCase.REVOKE_TOKEN, Command::getRevokeToken, new RevokeTokenHandler());
        register(Command.OpCase.APPLY_ACCESS_SYNC, Command::getApplyAccessSync, new ApplyAccessSyncHandler(region));
        register(Command.OpCase.RECORD_AUDIT_HEAD, Command::getRecordAuditHead, new RecordAuditHeadHandler());
    }

    private <C, P> void register(Command.OpCase op, Function<Command, C> operand, CommandHandler<C, P> handler) {
        if (handlers.put(op, new Registered<>(operand, handler)) != null) {
            throw new IllegalStateException("two handlers for " + op);
        }
    }

    /** A handler with the getter of its op's message. */
    record Registered<C, P>(Function<Command, C> operand, CommandHandler<C, P> handler) {
        /** Check only: the state is passed as a reader, and check writes nothing. */
        P check(Command command, StateReader state) {
            return handler.check(operand.apply(command), command.getTimestampMillis(), state);
        }

        CommandResult apply(Command command, StateWriter state) {
            P checked = check(command, state);
            return handler.apply(operand.apply(command), checked, command.getTimestampMillis(), state);
        }
    }

    /** The handler registered for an op, or null (a test checks that every op has one). */
    Registered<?, ?> registered(Command.OpCase op) {
        return handlers.get(op);
    }

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
        Registered<?, ?> registered = handlers.get(command.getOpCase());
        if (registered == null) {
            return refused(Reason.INTERNAL, command.getOpCase() == Command.OpCase.OP_NOT_SET
                    ? "empty command" : "no handler for " + command.getOpCase());
        }
        return registered.apply(command, state);
    }

    private static CommandResult refused(Reason reason, String message) {
        return CommandResult.newBuilder().setErrorReason(reason.name()).setErrorMessage(message).build();
    }
}
