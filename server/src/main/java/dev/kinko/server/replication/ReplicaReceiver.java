package dev.kinko.server.replication;

import dev.kinko.proto.raft.v1.ApplyAccessSyncCommand;
import dev.kinko.proto.replication.v1.SyncAccessRequest;
import dev.kinko.proto.replication.v1.SyncAccessResponse;
import java.util.List;

import dev.kinko.proto.raft.v1.ApplyReplicationCommand;
import dev.kinko.proto.raft.v1.ReplicaChange;
import dev.kinko.proto.raft.v1.SourceRecord;
import dev.kinko.proto.replication.v1.ApplyReplicationBatchRequest;
import dev.kinko.proto.replication.v1.ApplyReplicationBatchResponse;
import dev.kinko.proto.replication.v1.GetRegionInfoResponse;
import dev.kinko.proto.replication.v1.ReplicatedChange;
import dev.kinko.proto.replication.v1.ReplicatedValue;
import dev.kinko.server.crypto.EnvelopeCipher;
import dev.kinko.server.crypto.TransportKeys;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.SourceRules;
import dev.kinko.server.domain.StateQueries;
import dev.kinko.server.frontend.ReplicationWriter;
import dev.kinko.server.frontend.SecretWriter;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The replica region's leader side of shipping: refuses a batch that breaks
 * {@link IncomingBatchRules} and one from a fenced source, opens each data key
 * with the transport key, wraps it under this region's own key, and proposes
 * the batch through this region's Raft in journal order ({@link IncomingBatchOrder}).
 */
public final class ReplicaReceiver {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ReplicaReceiver.class);
    private final String region;
    private final StateQueries state;
    private final EnvelopeCipher cipher;
    private final TransportKeys transportKeys;
    private final ReplicationWriter writer;
    private final SecretWriter secrets;
    private final IncomingBatchOrder order;

    public ReplicaReceiver(String region, StateQueries state, EnvelopeCipher cipher, TransportKeys transportKeys,
                           ReplicationWriter writer, SecretWriter secrets) {
        this.region = region;
        this.state = state;
        this.cipher = cipher;
        this.transportKeys = transportKeys;
        this.writer = writer;
        this.secrets = secrets;
        this.order = new IncomingBatchOrder(region, source -> SourceRules.sourceOf(state, source));
    }

    public CompletableFuture<GetRegionInfoResponse> regionInfo() {
        return writer.ensureTransportKey().thenApply(key -> GetRegionInfoResponse.newBuilder().setRegion(region)
                .setTransportPublicKey(key.getPublicKey()).setTransportKeyVersion(key.getVersion()).build());
    }

    public CompletableFuture<ApplyReplicationBatchResponse> apply(ApplyReplicationBatchRequest r) {
        if (r.getSourceRegion().isEmpty() || r.getSourceRegion().equals(region)) {
            throw new KinkoException(Reason.INVALID_LINK, "source_region must name another region");
        }
        // another region is trusted with its certificate, not with what it sends: a bad batch is refused whole
        IncomingBatchRules.check(r);
        SourceRecord source = SourceRules.sourceOf(state, r.getSourceRegion());
        // checked again in the apply, where it counts; here they save opening keys and a Raft entry
        SourceRules.checkNotFenced(region, source, r.getEpoch());
        order.admit(r);
        return secrets.ensureRegionKey().thenCompose(v -> {
            ApplyReplicationCommand.Builder cmd = ApplyReplicationCommand.newBuilder()
                    .setSourceRegion(r.getSourceRegion()).setEpoch(r.getEpoch()).setLastSeq(r.getLastSeq())
                    .setReseed(r.getReseed()).setReseedComplete(r.getReseedComplete()).setFirstSeq(r.getFirstSeq())
                    .addAllReseedIds(r.getReseedIdsList())
                    .setReseedAfterId(r.getReseedAfterId()).setReseedThroughId(r.getReseedThroughId());
            TransportKeys.Opening opening = r.getChangesList().stream().anyMatch(c -> c.getValuesCount() > 0)
                    ? transportKeys.opening(r.getTransportKeyVersion(), r.getEphemeralPublicKey().toByteArray()) : null;
            for (ReplicatedChange c : r.getChangesList()) {
                cmd.addChanges(adopt(opening, c));
            }
            ApplyReplicationCommand command = cmd.build();
            return order.propose(r, () -> writer.applyShipped(command));
        }).thenApply(res -> ApplyReplicationBatchResponse.newBuilder().setAppliedSeq(res.getAppliedSeq())
                .addAllOutcomes(res.getOutcomesList()).build());
    }

    /** A source region's policies and token hashes (no secret travels here: hashes are not tokens). */
    public CompletableFuture<SyncAccessResponse> syncAccess(SyncAccessRequest r) {
        if (r.getSourceRegion().isEmpty() || r.getSourceRegion().equals(region)) {
            throw new KinkoException(Reason.INVALID_LINK, "source_region must name another region");
        }
        SourceRecord source = SourceRules.sourceOf(state, r.getSourceRegion());
        SourceRules.checkNotFenced(region, source, r.getEpoch());
        List<String> conflicts = r.getPoliciesList().stream().map(dev.kinko.proto.raft.v1.PolicyRecord::getName)
                .filter(n -> state.policy(n).map(p -> !p.getOriginRegion().equals(r.getSourceRegion())).orElse(false))
                .toList();
        if (!conflicts.isEmpty() && !r.getForceOverwrite()) {
            LOG.warn("region {} keeps its own policies {} over region {}'s of the same names",
                    region, conflicts, r.getSourceRegion());
        }
        return writer.applyAccessSync(ApplyAccessSyncCommand.newBuilder().setSourceRegion(r.getSourceRegion())
                .setEpoch(r.getEpoch()).addAllPolicies(r.getPoliciesList()).addAllTokens(r.getTokensList())
                .setForceOverwrite(r.getForceOverwrite()).setAccessVersion(r.getAccessVersion()).build())
                .thenApply(res -> SyncAccessResponse.newBuilder()
                        .addAllConflictingPolicies(r.getForceOverwrite() ? List.of() : conflicts).build());
    }

    private ReplicaChange adopt(TransportKeys.Opening opening, ReplicatedChange c) {
        ReplicaChange.Builder change = ReplicaChange.newBuilder().setSeq(c.getSeq()).setSecretId(c.getSecretId())
                .setForceOverwrite(c.getForceOverwrite()).setDetach(c.getDetach());
        if (c.hasSecret()) {
            change.setSecret(c.getSecret()); // its ids agree: IncomingBatchRules
        }
        for (ReplicatedValue v : c.getValuesList()) {
            byte[] dataKey = opening.open(c.getSecretId(), v.getVersionId(), v.getSealedDataKey().toByteArray());
            try {
                change.putValues(v.getVersionId(), cipher.adopt(c.getSecretId(), v.getVersionId(), dataKey,
                        v.getCiphertext().toByteArray(), v.getBinary()));
            } finally {
                Arrays.fill(dataKey, (byte) 0);
            }
        }
        return change.build();
    }
}
