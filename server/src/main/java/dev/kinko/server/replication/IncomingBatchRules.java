package dev.kinko.server.replication;

import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.VersionRecord;
import dev.kinko.proto.replication.v1.ApplyReplicationBatchRequest;
import dev.kinko.proto.replication.v1.ReplicatedChange;
import dev.kinko.proto.replication.v1.ReplicatedValue;
import dev.kinko.server.crypto.Aead;
import dev.kinko.server.crypto.TransportKeys;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.Validation;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What every batch a replica region receives meets before it is proposed: the rules client
 * input meets at the API edge ({@link Validation}, {@link Limits}), which the source region's
 * own API enforced, and the shape of a batch (change count, sizes of sealed keys and values,
 * sequence numbers). Another region is trusted with its certificate, not with the bytes it
 * sends: a batch that breaks any rule is refused whole ({@code INVALID_REPLICATION_BATCH}),
 * naming the change and the rule, never a value, and nothing of it is applied.
 */
final class IncomingBatchRules {
    /** Changes one batch carries at most (the shipper reads at most this many journal records). */
    static final int MAX_CHANGES = ShippingSettings.MAX_BATCH_RECORDS;
    /** A sealed value: a non-empty value plus the nonce and tag. */
    static final int MIN_CIPHERTEXT_BYTES = 1 + Aead.OVERHEAD_BYTES;
    /** A sealed value: the largest value plus the nonce and tag. */
    static final int MAX_CIPHERTEXT_BYTES = Limits.MAX_VALUE_BYTES + Aead.OVERHEAD_BYTES;
    /** Secret ids are made by the primary's leader: lowercase UUID strings. */
    private static final Pattern SECRET_ID =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private IncomingBatchRules() {}

    /** Throws {@code INVALID_REPLICATION_BATCH} naming the first rule the batch breaks. */
    static void check(ApplyReplicationBatchRequest r) {
        batchRule(() -> Validation.regions(List.of(r.getSourceRegion())), "source_region");
        if (r.getChangesCount() > MAX_CHANGES) {
            throw batch("a batch carries at most " + MAX_CHANGES + " changes, got " + r.getChangesCount());
        }
        long first = r.getFirstSeq();
        long last = r.getLastSeq();
        if (first < 0 || last < 0) {
            throw batch("first_seq and last_seq must not be negative");
        }
        if (last < first - 1) {
            throw batch("last_seq must be at least first_seq - 1 (an empty batch), got first_seq " + first
                    + " and last_seq " + last);
        }
        if (r.getReseedComplete() && !r.getReseed()) {
            throw batch("reseed_complete is set without reseed");
        }
        if (r.getReseedIdsCount() > 0 && !r.getReseedComplete()) {
            throw batch("reseed_ids are sent only with the last batch of a re-seed (reseed_complete)");
        }
        for (String bound : List.of(r.getReseedAfterId(), r.getReseedThroughId())) {
            if (!bound.isEmpty() && !r.getReseed()) {
                throw batch("reseed_after_id and reseed_through_id come only with a re-seed");
            }
            if (!bound.isEmpty() && !SECRET_ID.matcher(bound).matches()) {
                throw batch("a re-seed's id range is bounded by secret ids (lowercase UUIDs)");
            }
        }
        if (r.getReseed() && !r.getReseedComplete() && r.getReseedThroughId().isEmpty() && r.getChangesCount() > 0) {
            throw batch("a re-seed batch that is not the last names the last id it covers (reseed_through_id)");
        }
        for (int i = 0; i < r.getReseedIdsCount(); i++) {
            if (!SECRET_ID.matcher(r.getReseedIds(i)).matches()) {
                throw batch("reseed_ids[" + i + "] is not a secret id (a lowercase UUID)");
            }
        }
        boolean values = r.getChangesList().stream().anyMatch(c -> c.getValuesCount() > 0);
        if (values && r.getEphemeralPublicKey().size() != TransportKeys.PUBLIC_KEY_BYTES) {
            throw batch("ephemeral_public_key must be " + TransportKeys.PUBLIC_KEY_BYTES + " bytes when values travel, got "
                    + r.getEphemeralPublicKey().size());
        }
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < r.getChangesCount(); i++) {
            ReplicatedChange c = r.getChanges(i);
            if (c.getSeq() < first || c.getSeq() > last) {
                throw change(i, c, "seq lies outside the batch's first_seq-last_seq (" + first + "-" + last + ")");
            }
            // a full copy's changes all carry the sequence it covers; the journal's go strictly up
            if (r.getReseed() ? c.getSeq() < previous : c.getSeq() <= previous) {
                throw change(i, c, "seq must be " + (r.getReseed() ? "at least" : "greater than")
                        + " the previous change's (" + previous + ")");
            }
            previous = c.getSeq();
            checkChange(i, c);
        }
    }

    private static void checkChange(int i, ReplicatedChange c) {
        if (!SECRET_ID.matcher(c.getSecretId()).matches()) {
            throw change(i, c, "secret_id is not a secret id (a lowercase UUID)");
        }
        if (c.getDetach()) {
            if (c.hasSecret() || c.getValuesCount() > 0) {
                throw change(i, c, "a detach carries no secret and no values");
            }
            return;
        }
        if (!c.hasSecret()) {
            throw change(i, c, "a change carries the secret's metadata, or is a detach");
        }
        SecretRecord s = c.getSecret();
        if (!s.getId().equals(c.getSecretId())) {
            throw change(i, c, "secret.id differs from secret_id");
        }
        changeRule(i, c, () -> Validation.name(s.getName()));
        changeRule(i, c, () -> Validation.description(s.getDescription()));
        changeRule(i, c, () -> Validation.tags(s.getTagsMap()));
        if (s.getVersionsCount() > Limits.MAX_VERSIONS) {
            throw change(i, c, "a secret keeps at most " + Limits.MAX_VERSIONS + " versions, got " + s.getVersionsCount());
        }
        Set<String> versionIds = new HashSet<>();
        Set<String> labels = new HashSet<>();
        for (int v = 0; v < s.getVersionsCount(); v++) {
            VersionRecord version = s.getVersions(v);
            String field = "secret.versions[" + v + "].version_id";
            changeRule(i, c, () -> Validation.versionId(field, version.getVersionId()));
            if (!versionIds.add(version.getVersionId())) {
                throw change(i, c, field + " is listed twice");
            }
            changeRule(i, c, () -> Validation.labels(version.getStagesList()));
            for (String label : version.getStagesList()) {
                if (!labels.add(label)) {
                    throw change(i, c, "a stage label is on two versions (secret.versions[" + v + "] and another)");
                }
            }
        }
        checkValues(i, c);
    }

    private static void checkValues(int i, ReplicatedChange c) {
        if (c.getValuesCount() > Limits.MAX_VERSIONS) {
            throw change(i, c, "a change carries at most " + Limits.MAX_VERSIONS + " values (one per version), got "
                    + c.getValuesCount());
        }
        Set<String> ids = new HashSet<>();
        for (int v = 0; v < c.getValuesCount(); v++) {
            ReplicatedValue value = c.getValues(v);
            String field = "values[" + v + "].version_id";
            changeRule(i, c, () -> Validation.versionId(field, value.getVersionId()));
            if (!ids.add(value.getVersionId())) {
                throw change(i, c, field + " is listed twice");
            }
            if (value.getSealedDataKey().size() != TransportKeys.SEALED_DATA_KEY_BYTES) {
                throw change(i, c, "values[" + v + "].sealed_data_key must be " + TransportKeys.SEALED_DATA_KEY_BYTES
                        + " bytes, got " + value.getSealedDataKey().size());
            }
            int size = value.getCiphertext().size();
            if (size < MIN_CIPHERTEXT_BYTES || size > MAX_CIPHERTEXT_BYTES) {
                throw change(i, c, "values[" + v + "].ciphertext must be " + MIN_CIPHERTEXT_BYTES + "-"
                        + MAX_CIPHERTEXT_BYTES + " bytes (a value of 1-" + Limits.MAX_VALUE_BYTES
                        + " bytes, sealed), got " + size);
            }
        }
    }

    private static void batchRule(Runnable rule, String field) {
        try {
            rule.run();
        } catch (KinkoException e) {
            throw batch(field + ": " + e.getMessage());
        }
    }

    private static void changeRule(int i, ReplicatedChange c, Runnable rule) {
        try {
            rule.run();
        } catch (KinkoException e) {
            throw change(i, c, e.getMessage());
        }
    }

    private static KinkoException batch(String why) {
        return new KinkoException(Reason.INVALID_REPLICATION_BATCH, "replication batch refused: " + why);
    }

    private static KinkoException change(int i, ReplicatedChange c, String why) {
        return new KinkoException(Reason.INVALID_REPLICATION_BATCH,
                "replication batch refused: change " + i + " (seq " + c.getSeq() + "): " + why,
                Map.of("change", Integer.toString(i), "seq", Long.toString(c.getSeq())));
    }
}
