package dev.kinko.server.frontend;

import dev.kinko.proto.raft.v1.AddTransportKeyCommand;
import dev.kinko.proto.raft.v1.ApplyReplicationCommand;
import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.ContinuePromotionCommand;
import dev.kinko.proto.raft.v1.ContinueRegionCopyCommand;
import dev.kinko.proto.raft.v1.DeleteLinkCommand;
import dev.kinko.proto.raft.v1.PromoteRegionCommand;
import dev.kinko.proto.raft.v1.PutLinkCommand;
import dev.kinko.proto.raft.v1.RemoveReplicaRegionsCommand;
import dev.kinko.proto.raft.v1.ReplicaOutcome;
import dev.kinko.proto.raft.v1.ReplicaOutcomesCommand;
import dev.kinko.proto.raft.v1.ReplicateRegionCommand;
import dev.kinko.proto.raft.v1.ReplicateSecretCommand;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.StopReplicationCommand;
import dev.kinko.proto.raft.v1.TransportKeyRecord;
import dev.kinko.proto.raft.v1.TruncateJournalCommand;
import dev.kinko.proto.raft.v1.UpdateLinkCommand;
import dev.kinko.proto.v1.RemoveRegionsFromReplicationRequest;
import dev.kinko.proto.v1.RemoveRegionsFromReplicationResponse;
import dev.kinko.proto.v1.ReplicateSecretToRegionsRequest;
import dev.kinko.proto.v1.ReplicateSecretToRegionsResponse;
import dev.kinko.proto.v1.StopReplicationToReplicaRequest;
import dev.kinko.proto.v1.StopReplicationToReplicaResponse;
import dev.kinko.server.crypto.TransportKeys;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.StateQueries;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** The leader's half of replication commands: which secrets go where, links, promotion, shipping results. */
public final class ReplicationWriter {
    private final String region;
    private final StateQueries state;
    private final TransportKeys transportKeys;
    private final Proposer proposer;

    public ReplicationWriter(String region, StateQueries state, TransportKeys transportKeys, Proposer proposer) {
        this.region = region;
        this.state = state;
        this.transportKeys = transportKeys;
        this.proposer = proposer;
    }

    public CompletableFuture<ReplicateSecretToRegionsResponse> replicate(ReplicateSecretToRegionsRequest r, String requestId) {
        SecretRecord secret = resolve(r.getSecretId());
        return proposer.submit(proposer.command().setRequestId(requestId).setReplicateSecret(ReplicateSecretCommand.newBuilder()
                .setSecretId(secret.getId()).addAllRegions(r.getAddReplicaRegionsList())
                .setForceOverwrite(r.getForceOverwriteReplicaSecret())))
                .thenApply(res -> ReplicateSecretToRegionsResponse.newBuilder().setId(res.getSecretId())
                        .addAllReplicationStatus(statuses(res.getSecretId())).build());
    }

    public CompletableFuture<RemoveRegionsFromReplicationResponse> removeRegions(RemoveRegionsFromReplicationRequest r, String requestId) {
        SecretRecord secret = resolve(r.getSecretId());
        return proposer.submit(proposer.command().setRequestId(requestId).setRemoveReplicaRegions(RemoveReplicaRegionsCommand.newBuilder()
                .setSecretId(secret.getId()).addAllRegions(r.getRemoveReplicaRegionsList())))
                .thenApply(res -> RemoveRegionsFromReplicationResponse.newBuilder().setId(res.getSecretId())
                        .addAllReplicationStatus(statuses(res.getSecretId())).build());
    }

    public CompletableFuture<StopReplicationToReplicaResponse> stop(StopReplicationToReplicaRequest r, String requestId) {
        SecretRecord secret = resolve(r.getSecretId());
        return proposer.submit(proposer.command().setRequestId(requestId).setStopReplication(StopReplicationCommand.newBuilder()
                .setSecretId(secret.getId())))
                .thenApply(res -> StopReplicationToReplicaResponse.newBuilder().setId(res.getSecretId()).build());
    }

    public CompletableFuture<CommandResult> putLink(String destination, List<String> addresses) {
        return proposer.submit(proposer.command().setPutLink(PutLinkCommand.newBuilder()
                .setRegion(destination).addAllAddresses(addresses)));
    }

    public CompletableFuture<CommandResult> deleteLink(String destination) {
        return proposer.submit(proposer.command().setDeleteLink(DeleteLinkCommand.newBuilder().setRegion(destination)));
    }

    /**
     * Promotes the region: the first entry fences every source, the next ones make the replicas
     * standalone a chunk at a time; completes when none is left, with how many were promoted.
     */
    public CompletableFuture<CommandResult> promote() {
        return driving(PROMOTION, false, () -> proposer.submit(proposer.command()
                .setPromoteRegion(PromoteRegionCommand.getDefaultInstance()))
                .thenCompose(first -> untilDone(first, this::continuePromotion)));
    }

    /** Goes on with a promotion a former leader started (its state says a chunk is left), unless this node drives it. */
    public CompletableFuture<CommandResult> finishPromotion() {
        return driving(PROMOTION, true, () -> continuePromotion().thenCompose(first -> untilDone(first, this::continuePromotion)));
    }

    private CompletableFuture<CommandResult> continuePromotion() {
        return proposer.submit(proposer.command().setContinuePromotion(ContinuePromotionCommand.getDefaultInstance()));
    }

    /** Failback: every secret of this region goes to {@code destination}, a chunk per entry; completes with the count. */
    public CompletableFuture<CommandResult> replicateRegion(String destination, boolean force) {
        return driving(COPY + destination, false, () -> proposer.submit(proposer.command()
                .setReplicateRegion(ReplicateRegionCommand.newBuilder().setRegion(destination).setForceOverwrite(force)))
                .thenCompose(first -> untilDone(first, () -> continueRegionCopy(destination))));
    }

    /** Goes on with a region copy a former leader started, unless this node drives it. */
    public CompletableFuture<CommandResult> finishRegionCopy(String destination) {
        return driving(COPY + destination, true, () -> continueRegionCopy(destination)
                .thenCompose(first -> untilDone(first, () -> continueRegionCopy(destination))));
    }

    private static final String PROMOTION = "promotion";
    private static final String COPY = "copy:";
    /** Chunked jobs this node proposes the chunks of: housekeeping leaves them to their driver. */
    private final java.util.Map<String, Integer> driven = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Runs a chunked job and marks it driven meanwhile; housekeeping ({@code onlyIfIdle}) leaves a
     * job this node drives alone. A second driver would be harmless, each chunk reads its progress
     * from the state, but it would waste entries and make the caller's count partial.
     */
    private CompletableFuture<CommandResult> driving(String job, boolean onlyIfIdle,
                                                     java.util.function.Supplier<CompletableFuture<CommandResult>> run) {
        if (onlyIfIdle && driven.containsKey(job)) {
            return CompletableFuture.completedFuture(CommandResult.getDefaultInstance());
        }
        driven.merge(job, 1, Integer::sum);
        CompletableFuture<CommandResult> done;
        try {
            done = run.get();
        } catch (RuntimeException e) {
            release(job);
            throw e;
        }
        return done.whenComplete((r, e) -> release(job));
    }

    private void release(String job) {
        driven.computeIfPresent(job, (k, n) -> n == 1 ? null : n - 1);
    }

    private CompletableFuture<CommandResult> continueRegionCopy(String destination) {
        return proposer.submit(proposer.command().setContinueRegionCopy(ContinueRegionCopyCommand.newBuilder()
                .setRegion(destination)));
    }

    /** Proposes the next chunk while the last result says more is left (each result carries the running total). */
    private CompletableFuture<CommandResult> untilDone(CommandResult last,
                                                       java.util.function.Supplier<CompletableFuture<CommandResult>> next) {
        if (!last.getMore()) {
            return CompletableFuture.completedFuture(last);
        }
        return next.get().thenCompose(r -> untilDone(r, next));
    }

    public CompletableFuture<CommandResult> applyShipped(ApplyReplicationCommand cmd) {
        return proposer.submit(proposer.command().setApplyReplication(cmd));
    }

    public CompletableFuture<CommandResult> applyAccessSync(dev.kinko.proto.raft.v1.ApplyAccessSyncCommand cmd) {
        return proposer.submit(proposer.command().setApplyAccessSync(cmd));
    }

    public CompletableFuture<CommandResult> updateLink(UpdateLinkCommand cmd) {
        return proposer.submit(proposer.command().setUpdateLink(cmd));
    }

    public CompletableFuture<CommandResult> outcomes(String destination, List<ReplicaOutcome> outcomes) {
        return proposer.submit(proposer.command().setReplicaOutcomes(ReplicaOutcomesCommand.newBuilder()
                .setRegion(destination).addAllOutcomes(outcomes)));
    }

    public CompletableFuture<CommandResult> truncateJournal(long upTo) {
        return proposer.submit(proposer.command().setTruncateJournal(TruncateJournalCommand.newBuilder().setUpTo(upTo)));
    }

    /** The region's transport key, created on first use (values replicated here are sealed for it). */
    public CompletableFuture<TransportKeyRecord> ensureTransportKey() {
        TransportKeyRecord newest = transportKeys.newest();
        if (newest != null) {
            return CompletableFuture.completedFuture(newest);
        }
        return proposer.submit(proposer.command().setAddTransportKey(AddTransportKeyCommand.newBuilder()
                .setKey(transportKeys.newVersion(1, proposer.now()))))
                .handle((res, e) -> {
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    if (cause != null && !(cause instanceof KinkoException k && k.reason() == Reason.REGION_KEY_CONFLICT)) {
                        throw cause instanceof RuntimeException re ? re : new CompletionException(cause);
                    }
                    return transportKeys.newest();
                });
    }

    public String region() {
        return region;
    }

    private List<dev.kinko.proto.v1.ReplicationStatus> statuses(String secretId) {
        return state.secretById(secretId).map(s -> ReplicationStatuses.of(s, state, proposer.now())).orElse(List.of());
    }

    private SecretRecord resolve(String secretRef) {
        return state.resolveHeader(secretRef).orElseThrow(() ->
                new KinkoException(Reason.SECRET_NOT_FOUND, "secret " + secretRef + " not found"));
    }
}
