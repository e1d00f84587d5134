package dev.kinko.server.replication;

import dev.kinko.proto.replication.v1.SyncAccessRequest;
import dev.kinko.proto.replication.v1.SyncAccessResponse;

import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import dev.kinko.proto.raft.v1.JournalRecord;
import dev.kinko.proto.raft.v1.LinkRecord;
import dev.kinko.proto.raft.v1.ReplicaOutcome;
import dev.kinko.proto.raft.v1.ReplicaRecord;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.UpdateLinkCommand;
import dev.kinko.proto.replication.v1.ApplyReplicationBatchRequest;
import dev.kinko.proto.replication.v1.ApplyReplicationBatchResponse;
import dev.kinko.proto.replication.v1.GetRegionInfoRequest;
import dev.kinko.proto.replication.v1.GetRegionInfoResponse;
import dev.kinko.proto.replication.v1.ReplicatedChange;
import dev.kinko.proto.replication.v1.ReplicatedValue;
import dev.kinko.proto.replication.v1.ReplicationServiceGrpc;
import dev.kinko.server.rpc.Statuses;
import dev.kinko.server.consensus.RaftNode;
import dev.kinko.server.crypto.EnvelopeCipher;
import dev.kinko.server.crypto.TransportKeys;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.StateQueries;
import dev.kinko.server.frontend.ReplicationWriter;
import io.grpc.Grpc;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ships the journal to one replica region while this node leads: reads from
 * the link's watermark, seals each value's data key for the destination's
 * transport key, sends batches (up to {@link ShippingSettings#MAX_BATCHES_IN_FLIGHT}
 * unanswered), and records their acknowledgements, in order, through Raft.
 * A replica region behind the journal's start is re-seeded from a full copy.
 */
final class Shipper implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Shipper.class);
    /** Secrets per batch while re-seeding, at most. */
    static final int RESEED_BATCH_SECRETS = 256;
    /**
     * Bytes of changes per batch, at most: well below the replica's message limit (16 MiB) and
     * the size a Raft command may have ({@code GroupCommitter.MAX_COMMAND_BYTES}). One change
     * larger than this (a full copy of a secret with 100 large versions, about 7 MB at most)
     * goes alone.
     */
    static final int MAX_BATCH_BYTES = 4 << 20;
    /** Backoff after a failed call, doubling up to the maximum. */
    static final long MIN_BACKOFF_MS = 100;
    static final long MAX_BACKOFF_MS = 2_000;

    private final String destination;
    private final String region;
    private final RaftNode raft;
    private final StateQueries state;
    private final EnvelopeCipher cipher;
    private final ReplicationWriter writer;
    private final JournalSignal signal;
    private final ShippingSettings settings;
    private volatile boolean running = true;
    private volatile String lastError = "";
    private final ReplicationLag lag;
    private final ShippingEvents events;
    private final Map<String, Long> reportedDetached = new HashMap<>();
    private final Object watermarkLock = new Object();
    private boolean watermarkInFlight;
    private long wantedWatermark;

    /** The next journal sequence to send; -1 until read from the link's watermark. */
    private long cursor = -1;
    /** The last journal sequence the replica region acknowledged to this shipper. */
    private long ackedThrough = -1;
    private long lastContact;
    /** Batches sent and not yet answered, oldest first. */
    private final Deque<InFlight> inFlight = new ArrayDeque<>();

    private record InFlight(List<JournalRecord> mine, long lastSeq, boolean afterUnanswered,
                            ListenableFuture<ApplyReplicationBatchResponse> reply) {}
    /** Whether the batch whose answer is a failure was sent while the one before it was unanswered. */
    private boolean failedAfterUnanswered;

    private List<String> addresses = List.of();
    private List<ManagedChannel> channels = List.of();
    private int preferred;
    private GetRegionInfoResponse destinationInfo;

    Shipper(String destination, String region, RaftNode raft, StateQueries state, EnvelopeCipher cipher,
            ReplicationWriter writer, JournalSignal signal, ShippingSettings settings, ReplicationLag lag,
            ShippingEvents events, ChannelCredentials asRegion) {
        this.events = events;
        this.asRegion = asRegion;
        this.lag = lag;
        this.destination = destination;
        this.region = region;
        this.raft = raft;
        this.state = state;
        this.cipher = cipher;
        this.writer = writer;
        this.signal = signal;
        this.settings = settings;
    }

    /** The replica region binds each batch's source to this region certificate. */
    private final ChannelCredentials asRegion;

    String destination() {
        return destination;
    }

    String lastError() {
        return lastError;
    }

    void stop() {
        running = false;
    }

    @Override
    public void run() {
        long backoff = MIN_BACKOFF_MS;
        try {
            while (running && raft.isLeaderReady()) {
                Optional<LinkRecord> link = state.link(destination);
                if (link.isEmpty()) {
                    return;
                }
                if (link.get().getFenced()) {
                    restartFrom(-1);
                    signal.await(signal.current(), settings.heartbeat().toMillis());
                    continue;
                }
                if (connect(link.get().getAddressesList())) {
                    restartFrom(-1);
                }
                if (cursor < 0) {
                    restartFrom(link.get().getWatermark() + 1);
                }
                long seen = signal.current();
                failedAfterUnanswered = false;
                try {
                    if (destinationInfo == null) {
                        destinationInfo = stub().getRegionInfo(GetRegionInfoRequest.getDefaultInstance());
                    }
                    if (handleAnswers()) {
                        backoff = MIN_BACKOFF_MS;
                        lastError = "";
                        continue;
                    }
                    boolean reseed = link.get().getReseedRequired()
                            || (cursor < state.journalStart() && cursor <= state.journalHead());
                    if (reseed || state.accessVersion() > link.get().getAccessShipped()) {
                        if (!inFlight.isEmpty()) { // whole copies go alone, after what is in flight
                            awaitHead();
                        } else if (reseed) {
                            restartFrom(reseed(link.get()) + 1);
                        } else {
                            syncAccess(link.get());
                        }
                        continue;
                    }
                    if (inFlight.size() >= ShippingSettings.MAX_BATCHES_IN_FLIGHT) {
                        awaitHead();
                        continue;
                    }
                    ChangeContents contents = new ChangeContents(state);
                    List<JournalRecord> scanned = withinBytes(state.journal(cursor, settings.batchRecords()), contents);
                    boolean idle = scanned.isEmpty();
                    if (idle && (!inFlight.isEmpty()
                            || System.currentTimeMillis() - lastContact < settings.heartbeat().toMillis())) {
                        signal.await(seen, settings.heartbeat().toMillis()); // a new record, or an answer
                        continue;
                    }
                    long lastSeq = idle ? cursor - 1 : scanned.get(scanned.size() - 1).getSeq();
                    List<JournalRecord> mine = scanned.stream().filter(r -> r.getRegionsList().contains(destination)).toList();
                    Batch batch = batch(cursor, lastSeq).afterUnanswered(!inFlight.isEmpty());
                    ListenableFuture<ApplyReplicationBatchResponse> reply =
                            asyncStub().applyReplicationBatch(request(link.get(), mine, contents, batch));
                    reply.addListener(signal::wake, MoreExecutors.directExecutor());
                    inFlight.add(new InFlight(mine, lastSeq, batch.afterUnanswered(), reply));
                    events.sent(inFlight.size());
                    cursor = lastSeq + 1;
                } catch (StatusRuntimeException e) {
                    restartFrom(ackedThrough + 1); // what was in flight behind it is sent again
                    ErrorInfo info = Statuses.errorInfo(e);
                    if (info.getReason().equals(Reason.REGION_PROMOTED.name())) {
                        fenced(info);
                        continue;
                    }
                    boolean gap = info.getReason().equals(Reason.REPLICA_GAP.name());
                    long applied = Long.parseLong(info.getMetadataOrDefault(KinkoException.APPLIED_SEQ,
                            Long.toString(ackedThrough)));
                    // only a batch sent with nothing unanswered before it shows a restored replica region: one
                    // sent behind an unanswered batch may just have waited for it in vain, and is sent again below
                    if (gap && !failedAfterUnanswered && applied < ackedThrough) {
                        // the replica region was restored from a backup: go back to what it has
                        LOG.warn("region {} has applied only up to sequence {}; shipping again from there",
                                destination, applied);
                        rewindWatermark(applied).join();
                        events.rewound();
                        restartFrom(applied + 1);
                        continue;
                    }
                    lastError = e.getStatus().getCode() + ": " + e.getStatus().getDescription();
                    if (!gap) {
                        destinationInfo = null; // asked again: the destination may have a new leader or key
                        preferred++;
                    }
                    Thread.sleep(backoff);
                    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
                } catch (RuntimeException e) {
                    restartFrom(ackedThrough + 1);
                    lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
                    LOG.warn("shipping to {} failed: {}", destination, lastError);
                    Thread.sleep(backoff);
                    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            restartFrom(-1);
            channels.forEach(ManagedChannel::shutdownNow);
        }
    }

    /**
     * Handles the answers that came, oldest first, while they come in order: records the lag of
     * each change in them and acknowledges them. Throws the first failure. Returns whether any came.
     */
    private boolean handleAnswers() {
        boolean any = false;
        while (!inFlight.isEmpty() && inFlight.peek().reply().isDone()) {
            InFlight sent = inFlight.poll();
            failedAfterUnanswered = sent.afterUnanswered();
            ApplyReplicationBatchResponse ack = answer(sent.reply());
            failedAfterUnanswered = false;
            long acked = System.currentTimeMillis();
            lastContact = acked;
            for (JournalRecord r : sent.mine()) {
                long durable = signal.appliedMillis(r.getSeq());
                lag.record(acked - (durable > 0 ? durable : r.getTimestampMillis()));
            }
            acknowledge(sent.lastSeq(), ack);
            ackedThrough = sent.lastSeq();
            any = true;
        }
        return any;
    }

    private static ApplyReplicationBatchResponse answer(ListenableFuture<ApplyReplicationBatchResponse> reply) {
        try {
            return Futures.getDone(reply);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (java.util.concurrent.CancellationException e) {
            throw new IllegalStateException("the batch's call was cancelled", e);
        }
    }

    /** Waits for the oldest batch in flight to be answered (or the heartbeat's time). */
    private void awaitHead() throws InterruptedException {
        try {
            inFlight.peek().reply().get(settings.heartbeat().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            // handled with the answers, in order
        }
    }

    /**
     * Forgets what is in flight and sends from {@code seq}. The calls are cancelled; one that still
     * reaches the replica region's Raft applies no change twice there.
     */
    private void restartFrom(long seq) {
        if (!inFlight.isEmpty()) {
            inFlight.forEach(f -> f.reply().cancel(true));
            events.cancelled(inFlight.size());
            inFlight.clear();
        }
        cursor = seq;
        ackedThrough = seq - 1;
    }

    /**
     * Persists the watermark through Raft. While one update is in flight, later acknowledgements
     * only raise the wanted watermark, so a busy link costs one Raft entry per round trip, not per batch.
     */
    private void persistWatermark(long seq) {
        synchronized (watermarkLock) {
            wantedWatermark = Math.max(wantedWatermark, seq);
            if (watermarkInFlight) {
                return;
            }
            watermarkInFlight = true;
            long w = wantedWatermark;
            writer.updateLink(UpdateLinkCommand.newBuilder().setRegion(destination).setWatermark(w)
                    .setAckedMillis(System.currentTimeMillis()).build()).whenComplete((r, e) -> persisted(w, e));
        }
    }

    private void persisted(long w, Throwable error) {
        synchronized (watermarkLock) {
            watermarkInFlight = false;
            if (error == null) {
                signal.forgetBelow(w);
            }
            if (wantedWatermark > w && running) {
                persistWatermark(wantedWatermark);
            }
        }
    }

    /**
     * Sets the watermark back to what a restored replica region applied. Proposed under the lock,
     * so an update in flight lands before it and none proposed after it carries the old watermark.
     */
    private CompletableFuture<?> rewindWatermark(long applied) {
        synchronized (watermarkLock) {
            wantedWatermark = applied;
            return writer.updateLink(UpdateLinkCommand.newBuilder().setRegion(destination).setWatermark(applied)
                    .setRewound(true).build());
        }
    }

    private void acknowledge(long lastSeq, ApplyReplicationBatchResponse ack) {
        persistWatermark(lastSeq);
        List<ReplicaOutcome> fresh = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (ReplicaOutcome o : ack.getOutcomesList()) {
            // a stopped replica is reported on every call until the detach arrives there: propose it now and then
            if (o.getDetached()) {
                Long last = reportedDetached.get(o.getSecretId());
                if (last != null && now - last < 10 * settings.heartbeat().toMillis()) {
                    continue;
                }
                reportedDetached.put(o.getSecretId(), now);
            }
            fresh.add(o);
        }
        if (!fresh.isEmpty()) {
            writer.outcomes(destination, fresh);
        }
    }

    private void fenced(ErrorInfo info) {
        Map<String, String> m = info.getMetadataMap();
        long epoch = Long.parseLong(m.getOrDefault("epoch", "0"));
        long promoted = Long.parseLong(m.getOrDefault("promoted_millis", "0"));
        long applied = Long.parseLong(m.getOrDefault(KinkoException.APPLIED_SEQ, "0"));
        LOG.warn("region {} was promoted (epoch {}); shipping stops, {} journal records were not applied there",
                destination, epoch, Math.max(0, state.journalHead() - applied));
        lastError = "region " + destination + " was promoted";
        writer.updateLink(UpdateLinkCommand.newBuilder().setRegion(destination).setFenced(true)
                .setPromotedEpoch(epoch).setPromotedMillis(promoted).setReplicaAppliedSeq(applied).build()).join();
    }

    /** The journal records from the start of {@code scanned} that fit in {@link #MAX_BATCH_BYTES} (one at least). */
    private List<JournalRecord> withinBytes(List<JournalRecord> scanned, ChangeContents contents) {
        long bytes = 0;
        for (int i = 0; i < scanned.size(); i++) {
            if (!scanned.get(i).getRegionsList().contains(destination)) {
                continue;
            }
            bytes += contents.bytes(scanned.get(i));
            if (bytes > MAX_BATCH_BYTES && i > 0) {
                return scanned.subList(0, i);
            }
        }
        return scanned;
    }

    /**
     * Sends every secret replicated to the destination as it is now, walking the by-region index
     * in id order in batches bounded by count and bytes; each batch names the id range it covers,
     * so the destination drops replicas the source no longer sends. Returns the sequence it covers.
     */
    private long reseed(LinkRecord link) {
        long upTo = state.journalHead();
        LOG.info("re-seeding region {} from a full copy up to sequence {}", destination, upTo);
        Set<String> forced = forcedSince(link.getWatermark() + 1, upTo);
        String after = "";
        ApplyReplicationBatchResponse ack;
        while (true) {
            ChangeContents contents = new ChangeContents(state);
            List<JournalRecord> pending = new ArrayList<>();
            String through = after;
            long bytes = 0;
            boolean complete = false;
            while (pending.size() < RESEED_BATCH_SECRETS && bytes <= MAX_BATCH_BYTES) {
                List<String> ids = state.secretsReplicatedTo(destination, through, 1);
                if (ids.isEmpty()) {
                    complete = true;
                    break;
                }
                String id = ids.get(0);
                JournalRecord r = JournalRecord.newBuilder().setSeq(upTo).setSecretId(id)
                        .setForceOverwrite(forced.contains(id)).setNextOrdinal(0).build();
                Optional<ChangeContents.Content> content = contents.of(r);
                if (pending.size() > 0 && content.isPresent() && bytes + content.get().bytes() > MAX_BATCH_BYTES) {
                    break;
                }
                through = id;
                if (content.isPresent() && notFailed(id)) {
                    pending.add(r);
                    bytes += content.get().bytes();
                }
            }
            Batch b = batch(0, upTo).reseed(after, complete ? "" : through, complete);
            ack = send(link, pending, contents, b);
            if (complete) {
                break;
            }
            after = through;
        }
        acknowledge(upTo, ack);
        writer.updateLink(UpdateLinkCommand.newBuilder().setRegion(destination).setWatermark(upTo)
                .setReseededTo(upTo).setReseeded(true).build()).join();
        return upTo;
    }

    /** The secret's replica in the destination has not been refused there (a failed one is not sent). */
    private boolean notFailed(String secretId) {
        return state.secretById(secretId).map(s -> s.getReplicasList().stream()
                .anyMatch(r -> r.getRegion().equals(destination) && r.getFailureMessage().isEmpty())).orElse(false);
    }

    /**
     * Secrets whose undelivered journal records (up to {@code upTo}) ask the destination to
     * replace a same-named secret of its own (a failback, a forced retry): the full copy that
     * stands in for those records must ask it too.
     */
    private Set<String> forcedSince(long from, long upTo) {
        Set<String> forced = new HashSet<>();
        long cursor = Math.max(from, state.journalStart());
        while (cursor <= upTo) {
            List<JournalRecord> page = state.journal(cursor, settings.batchRecords());
            if (page.isEmpty()) {
                break;
            }
            for (JournalRecord r : page) {
                if (r.getSeq() <= upTo && r.getForceOverwrite() && r.getRegionsList().contains(destination)) {
                    forced.add(r.getSecretId());
                }
            }
            cursor = page.get(page.size() - 1).getSeq() + 1;
        }
        return forced;
    }

    /**
     * Ships this region's own policies and token hashes (not its access keys), whole, when they changed since the
     * destination last acknowledged them: the state is small, and a whole copy needs no journal.
     */
    private void syncAccess(LinkRecord link) {
        long version = state.accessVersion();
        SyncAccessRequest.Builder r = SyncAccessRequest.newBuilder().setSourceRegion(region).setEpoch(link.getEpoch())
                .setForceOverwrite(link.getAccessForceOverwrite()).setAccessVersion(version);
        state.policies().stream().filter(p -> p.getOriginRegion().isEmpty()).forEach(r::addPolicies);
        // Access keys stay home: their secret is sealed under this region's key, which no other
        // region holds, so a copy could never verify a signature there (SigV4 names the region too).
        state.tokens().stream().filter(t -> t.getOriginRegion().isEmpty() && !t.hasSealedSecretKey())
                .forEach(r::addTokens);
        SyncAccessResponse res = stub().syncAccess(r.build());
        if (res.getConflictingPoliciesCount() > 0) {
            LOG.warn("region {} keeps its own policies {}: same names as policies of region {}", destination,
                    res.getConflictingPoliciesList(), region);
        }
        writer.updateLink(UpdateLinkCommand.newBuilder().setRegion(destination).setAccessShipped(version).build()).join();
    }

    /**
     * A batch's place in the journal, whether the one before it is unanswered, and for a re-seed
     * the id range it covers.
     */
    private record Batch(long firstSeq, long lastSeq, boolean afterUnanswered, boolean reseed, String reseedAfterId,
                         String reseedThroughId, boolean reseedComplete) {
        Batch reseed(String afterId, String throughId, boolean complete) {
            return new Batch(firstSeq, lastSeq, false, true, afterId, throughId, complete);
        }

        Batch afterUnanswered(boolean unanswered) {
            return new Batch(firstSeq, lastSeq, unanswered, reseed, reseedAfterId, reseedThroughId, reseedComplete);
        }
    }

    private static Batch batch(long firstSeq, long lastSeq) {
        return new Batch(firstSeq, lastSeq, false, false, "", "", false);
    }

    private ApplyReplicationBatchResponse send(LinkRecord link, List<JournalRecord> records, ChangeContents contents,
                                               Batch batch) {
        return stub().applyReplicationBatch(request(link, records, contents, batch));
    }

    private ApplyReplicationBatchRequest request(LinkRecord link, List<JournalRecord> records, ChangeContents contents,
                                                 Batch batch) {
        TransportKeys.Sealing sealing = new TransportKeys.Sealing(destinationInfo.getTransportPublicKey().toByteArray());
        ApplyReplicationBatchRequest.Builder request = ApplyReplicationBatchRequest.newBuilder()
                .setSourceRegion(region)
                .setEpoch(link.getEpoch())
                .setFirstSeq(batch.firstSeq())
                .setLastSeq(batch.lastSeq())
                .setAfterUnanswered(batch.afterUnanswered())
                .setEphemeralPublicKey(ByteString.copyFrom(sealing.ephemeralPublic()))
                .setTransportKeyVersion(destinationInfo.getTransportKeyVersion())
                .setReseed(batch.reseed())
                .setReseedComplete(batch.reseedComplete())
                .setReseedAfterId(batch.reseedAfterId())
                .setReseedThroughId(batch.reseedThroughId());
        for (JournalRecord r : Coalescer.coalesce(records)) {
            ReplicatedChange.Builder change = ReplicatedChange.newBuilder().setSeq(r.getSeq())
                    .setSecretId(r.getSecretId()).setForceOverwrite(r.getForceOverwrite()).setDetach(r.getDetach());
            if (!r.getDetach()) {
                Optional<ChangeContents.Content> content = contents.of(r);
                if (content.isEmpty()) {
                    continue; // the secret is gone: nothing is left to ship of it
                }
                change.setSecret(content.get().secret());
                content.get().values().forEach((versionId, sealed) ->
                        change.addValues(value(r.getSecretId(), versionId, sealed, sealing)));
            }
            request.addChanges(change);
        }
        return request.build();
    }

    private ReplicatedValue value(String secretId, String versionId, SealedValue sealed, TransportKeys.Sealing sealing) {
        byte[] dataKey = cipher.dataKey(secretId, versionId, sealed);
        try {
            return ReplicatedValue.newBuilder().setVersionId(versionId)
                    .setSealedDataKey(ByteString.copyFrom(sealing.seal(secretId, versionId, dataKey)))
                    .setCiphertext(sealed.getCiphertext())
                    .setBinary(sealed.getBinary())
                    .build();
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    /** Connects to the link's addresses; whether they changed. */
    private boolean connect(List<String> wanted) {
        if (wanted.equals(addresses)) {
            return false;
        }
        channels.forEach(ManagedChannel::shutdownNow);
        addresses = List.copyOf(wanted);
        channels = addresses.stream()
                .map(a -> Grpc.newChannelBuilder(a, asRegion).build()).toList();
        destinationInfo = null;
        return true;
    }

    private ReplicationServiceGrpc.ReplicationServiceBlockingStub stub() {
        return ReplicationServiceGrpc.newBlockingStub(channel())
                .withDeadlineAfter(settings.rpcDeadline().toMillis(), TimeUnit.MILLISECONDS);
    }

    private ReplicationServiceGrpc.ReplicationServiceFutureStub asyncStub() {
        return ReplicationServiceGrpc.newFutureStub(channel())
                .withDeadlineAfter(settings.rpcDeadline().toMillis(), TimeUnit.MILLISECONDS);
    }

    private ManagedChannel channel() {
        if (channels.isEmpty()) {
            throw new IllegalStateException("the link to " + destination + " has no address");
        }
        return channels.get(Math.floorMod(preferred, channels.size()));
    }

}
