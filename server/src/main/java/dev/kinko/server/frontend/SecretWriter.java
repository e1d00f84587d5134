package dev.kinko.server.frontend;

import dev.kinko.proto.raft.v1.ForgetRequestsCommand;
import dev.kinko.proto.raft.v1.AddRegionKeyCommand;
import dev.kinko.proto.raft.v1.Command;
import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.CreateSecretCommand;
import dev.kinko.proto.raft.v1.ForceDeleteCommand;
import dev.kinko.proto.raft.v1.NewVersion;
import dev.kinko.proto.raft.v1.PurgeSecretCommand;
import dev.kinko.proto.raft.v1.PutValueCommand;
import dev.kinko.proto.raft.v1.RestoreSecretCommand;
import dev.kinko.proto.raft.v1.RewrapDataKeyCommand;
import dev.kinko.proto.raft.v1.ScheduleDeletionCommand;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.TagResourceCommand;
import dev.kinko.proto.raft.v1.UntagResourceCommand;
import dev.kinko.proto.raft.v1.UpdateDescriptionCommand;
import dev.kinko.proto.raft.v1.UpdateVersionStageCommand;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.CreateSecretResponse;
import dev.kinko.proto.v1.DeleteSecretRequest;
import dev.kinko.proto.v1.DeleteSecretResponse;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.PutSecretValueResponse;
import dev.kinko.proto.v1.RestoreSecretRequest;
import dev.kinko.proto.v1.RestoreSecretResponse;
import dev.kinko.proto.v1.TagResourceRequest;
import dev.kinko.proto.v1.TagResourceResponse;
import dev.kinko.proto.v1.UntagResourceRequest;
import dev.kinko.proto.v1.UntagResourceResponse;
import dev.kinko.proto.v1.UpdateSecretRequest;
import dev.kinko.proto.v1.UpdateSecretResponse;
import dev.kinko.proto.v1.UpdateSecretVersionStageRequest;
import dev.kinko.proto.v1.UpdateSecretVersionStageResponse;
import dev.kinko.server.crypto.EnvelopeCipher;
import dev.kinko.server.crypto.Keyring;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.StateQueries;
import dev.kinko.server.domain.StateQueries.ValueRef;
import dev.kinko.server.domain.Validation;
import dev.kinko.server.domain.Stages;
import dev.kinko.server.domain.rotation.NextRotation;
import dev.kinko.proto.raft.v1.RotationRecord;
import java.util.concurrent.ThreadLocalRandom;
import com.google.protobuf.ByteString;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The leader's half of every write: it resolves the secret, decides ids and
 * times, seals the value (before the Raft append, so no plaintext reaches the
 * log), hands the command to group commit and turns the result into a reply.
 * A retry with a used client request token is resolved here by comparing
 * the stored value with the one sent.
 */
public final class SecretWriter {
    /** Commands proposed per round when re-wrapping data keys or purging. */
    public static final int HOUSEKEEPING_BATCH = 256;

    private final StateQueries state;
    private final EnvelopeCipher cipher;
    private final Keyring keyring;
    private final Proposer proposer;

    public SecretWriter(StateQueries state, EnvelopeCipher cipher, Keyring keyring, Proposer proposer) {
        this.state = state;
        this.cipher = cipher;
        this.keyring = keyring;
        this.proposer = proposer;
    }

    public CompletableFuture<CreateSecretResponse> create(CreateSecretRequest r, PlainValue value, String requestId) {
        String secretId = UUID.randomUUID().toString();
        return withRegionKey(() -> {
            CreateSecretCommand.Builder cmd = CreateSecretCommand.newBuilder()
                    .setSecretId(secretId)
                    .setName(r.getName())
                    .setDescription(r.getDescription())
                    .putAllTags(Records.tags(r.getTagsList()));
            String token = token(r.getClientRequestToken());
            if (value != null) {
                cmd.setVersion(newVersion(secretId, token, value, List.of()));
            }
            cmd.addAllReplicaRegions(r.getAddReplicaRegionsList()).setForceOverwrite(r.getForceOverwriteReplicaSecret());
            return submit(command(requestId).setCreateSecret(cmd)).thenApply(res -> {
                resolveRetry(res, value);
                return CreateSecretResponse.newBuilder().setId(res.getSecretId()).setName(res.getName())
                        .setVersionId(res.getVersionId()).build();
            });
        });
    }

    public CompletableFuture<PutSecretValueResponse> put(PutSecretValueRequest r, PlainValue value, String requestId) {
        return putValue(r.getSecretId(), r.getClientRequestToken(), value, r.getVersionStagesList(), null, requestId)
                .thenApply(res -> PutSecretValueResponse.newBuilder().setId(res.getSecretId()).setName(res.getName())
                        .setVersionId(res.getVersionId()).addAllVersionStages(res.getVersionStagesList()).build());
    }

    public CompletableFuture<UpdateSecretResponse> update(UpdateSecretRequest r, PlainValue value, String requestId) {
        CompletableFuture<CommandResult> result;
        if (value != null) {
            result = putValue(r.getSecretId(), r.getClientRequestToken(), value, List.of(),
                    r.hasDescription() ? r.getDescription() : null, requestId);
        } else {
            SecretRecord secret = resolve(r.getSecretId());
            result = submit(command(requestId).setUpdateDescription(UpdateDescriptionCommand.newBuilder()
                    .setSecretId(secret.getId()).setDescription(r.getDescription())));
        }
        return result.thenApply(res -> UpdateSecretResponse.newBuilder().setId(res.getSecretId())
                .setName(res.getName()).setVersionId(res.getVersionId()).build());
    }

    private CompletableFuture<CommandResult> putValue(String secretRef, String requestToken, PlainValue value,
                                                      List<String> stages, String description, String requestId) {
        SecretRecord secret = resolve(secretRef);
        String token = token(requestToken);
        return withRegionKey(() -> {
            PutValueCommand.Builder cmd = PutValueCommand.newBuilder()
                    .setSecretId(secret.getId())
                    .setVersion(newVersion(secret.getId(), token, value, stages));
            if (description != null) {
                cmd.setDescription(description);
            }
            cmd.setNextRotationMillis(nextRotationIfCurrent(secret, stages));
            return submit(command(requestId).setPutValue(cmd)).thenApply(res -> {
                resolveRetry(res, value);
                return res;
            });
        });
    }

    /**
     * A value put as CURRENT counts as a rotation (as in AWS): the next one is due a window after
     * it. 0 when the secret has no schedule (the handler then changes nothing).
     */
    private long nextRotationIfCurrent(SecretRecord secret, List<String> stages) {
        RotationRecord r = secret.getRotation();
        if (!r.getEnabled() || !r.hasRules() || !(stages.isEmpty() || stages.contains(Stages.CURRENT))) {
            return 0;
        }
        long now = proposer.housekeepingNow();
        return NextRotation.after(r.getRules(), now, now, ThreadLocalRandom.current());
    }

    public CompletableFuture<UpdateSecretVersionStageResponse> updateStage(UpdateSecretVersionStageRequest r, String requestId) {
        SecretRecord secret = resolve(r.getSecretId());
        return submit(command(requestId).setUpdateVersionStage(UpdateVersionStageCommand.newBuilder()
                .setSecretId(secret.getId())
                .setStage(r.getVersionStage())
                .setRemoveFromVersionId(r.getRemoveFromVersionId())
                .setMoveToVersionId(r.getMoveToVersionId())))
                .thenApply(res -> UpdateSecretVersionStageResponse.newBuilder().setId(res.getSecretId())
                        .setName(res.getName()).build());
    }

    public CompletableFuture<DeleteSecretResponse> delete(DeleteSecretRequest r, String requestId) {
        SecretRecord secret = resolve(r.getSecretId());
        Command.Builder cmd = r.getForceDeleteWithoutRecovery()
                ? command(requestId).setForceDelete(ForceDeleteCommand.newBuilder().setSecretId(secret.getId()))
                : command(requestId).setScheduleDeletion(ScheduleDeletionCommand.newBuilder().setSecretId(secret.getId())
                        .setRecoveryWindowDays(Validation.recoveryWindowDays(r.getRecoveryWindowInDays())));
        return submit(cmd).thenApply(res -> DeleteSecretResponse.newBuilder().setId(res.getSecretId())
                .setName(res.getName()).setDeletionDate(Records.timestamp(res.getDeletionDateMillis())).build());
    }

    public CompletableFuture<RestoreSecretResponse> restore(RestoreSecretRequest r, String requestId) {
        SecretRecord secret = resolve(r.getSecretId());
        return submit(command(requestId).setRestoreSecret(RestoreSecretCommand.newBuilder().setSecretId(secret.getId())))
                .thenApply(res -> RestoreSecretResponse.newBuilder().setId(res.getSecretId()).setName(res.getName()).build());
    }

    public CompletableFuture<TagResourceResponse> tag(TagResourceRequest r, String requestId) {
        SecretRecord secret = resolve(r.getSecretId());
        return submit(command(requestId).setTagResource(TagResourceCommand.newBuilder().setSecretId(secret.getId())
                .putAllTags(Records.tags(r.getTagsList()))))
                .thenApply(res -> TagResourceResponse.getDefaultInstance());
    }

    public CompletableFuture<UntagResourceResponse> untag(UntagResourceRequest r, String requestId) {
        SecretRecord secret = resolve(r.getSecretId());
        return submit(command(requestId).setUntagResource(UntagResourceCommand.newBuilder().setSecretId(secret.getId())
                .addAllKeys(r.getTagKeysList())))
                .thenApply(res -> UntagResourceResponse.getDefaultInstance());
    }

    // --- region keys and housekeeping ------------------------------------------------------

    /** Adds a region key version; new values are sealed with it. */
    public CompletableFuture<Integer> rotateRegionKey() {
        int version = keyring.newestVersion() + 1;
        return submit(command().setAddRegionKey(AddRegionKeyCommand.newBuilder()
                .setKey(keyring.newVersion(version, proposer.now()))))
                .thenApply(CommandResult::getKeyVersion);
    }

    /** Re-wraps every data key wrapped by an older region key version; returns how many. */
    public long rewrapDataKeys() {
        int newest = keyring.newestVersion();
        long total = 0;
        ValueRef after = null; // one pass over the values, not a rescan from the first each round
        while (true) {
            List<ValueRef> refs = state.valuesWrappedBefore(newest, after, HOUSEKEEPING_BATCH);
            if (refs.isEmpty()) {
                return total;
            }
            after = refs.get(refs.size() - 1);
            List<CompletableFuture<CommandResult>> pending = new ArrayList<>();
            for (ValueRef ref : refs) {
                SealedValue sealed = state.value(ref.secretId(), ref.versionId()).orElse(null);
                if (sealed == null) {
                    continue;
                }
                byte[] wrapped = cipher.rewrap(ref.secretId(), ref.versionId(), sealed, newest);
                pending.add(submit(command().setRewrapDataKey(RewrapDataKeyCommand.newBuilder()
                        .setSecretId(ref.secretId()).setVersionId(ref.versionId())
                        .setFromKeyVersion(sealed.getKeyVersion()).setKeyVersion(newest)
                        .setWrappedDataKey(ByteString.copyFrom(wrapped)))));
            }
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
            total += pending.stream().filter(f -> f.join().getKeyVersion() == newest).count();
        }
    }

    /** Proposes dropping the results of requests older than {@link Limits#REQUEST_RETENTION}; returns how many went. */
    public long forgetOldRequests() {
        return submit(command().setForgetRequests(ForgetRequestsCommand.newBuilder()
                .setAppliedBeforeMillis(proposer.housekeepingNow() - Limits.REQUEST_RETENTION.toMillis()))).join().getCount();
    }

    /**
     * Proposes the purge of every secret whose recovery window ended by the leader's clock (never
     * ahead of monotonic time: a forward jump of the clock purges nothing early).
     */
    public int purgeDueDeletions() {
        List<String> due = state.deletionsDue(proposer.housekeepingNow(), HOUSEKEEPING_BATCH);
        List<CompletableFuture<CommandResult>> pending = new ArrayList<>();
        for (String id : due) {
            pending.add(submit(command().setPurgeSecret(PurgeSecretCommand.newBuilder().setSecretId(id))));
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
        return due.size();
    }

    // --- helpers ------------------------------------------------------------------------

    private Command.Builder command() {
        return proposer.command();
    }

    private Command.Builder command(String requestId) {
        return proposer.command().setRequestId(requestId);
    }

    private CompletableFuture<CommandResult> submit(Command.Builder command) {
        return proposer.submit(command);
    }

    private SecretRecord resolve(String secretRef) {
        return state.resolveHeader(secretRef).orElseThrow(() ->
                new KinkoException(Reason.SECRET_NOT_FOUND, "secret " + secretRef + " not found"));
    }

    private static String token(String requestToken) {
        return requestToken.isEmpty() ? UUID.randomUUID().toString() : requestToken;
    }

    private NewVersion newVersion(String secretId, String versionId, PlainValue value, List<String> stages) {
        return NewVersion.newBuilder()
                .setVersionId(versionId)
                .setValue(cipher.seal(secretId, versionId, value.bytes(), value.binary()))
                .addAllStages(stages)
                .build();
    }

    /** The version id (token) existed already: the same value makes it a retry, another a conflict. */
    private void resolveRetry(CommandResult result, PlainValue value) {
        if (!result.getVersionExisted()) {
            return;
        }
        SealedValue stored = state.value(result.getSecretId(), result.getVersionId()).orElse(null);
        boolean same = false;
        if (stored != null && value != null && stored.getBinary() == value.binary()) {
            byte[] plain = cipher.open(result.getSecretId(), result.getVersionId(), stored);
            same = MessageDigest.isEqual(plain, value.bytes());
            Arrays.fill(plain, (byte) 0);
        }
        if (!same) {
            throw new KinkoException(Reason.IDEMPOTENCY_CONFLICT, "client_request_token " + result.getVersionId()
                    + " was already used for a different value of secret " + result.getName());
        }
    }

    /** Completes once the region has a region key, creating version 1 on first use. */
    public CompletableFuture<Void> ensureRegionKey() {
        return withRegionKey(() -> CompletableFuture.completedFuture(null));
    }

    /** Runs {@code write} once the region has a region key, creating version 1 on first use. */
    private <T> CompletableFuture<T> withRegionKey(java.util.function.Supplier<CompletableFuture<T>> write) {
        if (keyring.newestVersion() > 0) {
            return write.get();
        }
        return rotateRegionKey().handle((v, e) -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof KinkoException k && k.reason() == Reason.REGION_KEY_CONFLICT) {
                return null; // another write created it first
            }
            if (cause != null) {
                throw cause instanceof RuntimeException re ? re : new CompletionException(cause);
            }
            return null;
        }).thenCompose(v -> write.get());
    }
}
