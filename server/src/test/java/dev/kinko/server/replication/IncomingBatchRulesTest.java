package dev.kinko.server.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.TransportKeyRecord;
import dev.kinko.proto.raft.v1.VersionRecord;
import dev.kinko.proto.replication.v1.ApplyReplicationBatchRequest;
import dev.kinko.proto.replication.v1.ReplicatedChange;
import dev.kinko.proto.replication.v1.ReplicatedValue;
import dev.kinko.server.crypto.Aead;
import dev.kinko.server.crypto.TransportKeys;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.domain.Reason;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Each rule a received batch meets, at its edge and one past it. */
class IncomingBatchRulesTest {
    static final String SOURCE = "tokyo";

    static String secretId(int n) {
        return String.format("abcdef00-0000-4000-8000-%012d", n);
    }

    static ReplicatedValue value(String versionId, int ciphertextBytes) {
        return ReplicatedValue.newBuilder().setVersionId(versionId)
                .setSealedDataKey(ByteString.copyFrom(new byte[TransportKeys.SEALED_DATA_KEY_BYTES]))
                .setCiphertext(ByteString.copyFrom(new byte[ciphertextBytes])).build();
    }

    /** A secret with one version labelled CURRENT, its value travelling with it. */
    static ReplicatedChange.Builder change(long seq, int n) {
        String versionId = UUID.nameUUIDFromBytes(("v" + n).getBytes(StandardCharsets.UTF_8)).toString();
        return ReplicatedChange.newBuilder().setSeq(seq).setSecretId(secretId(n))
                .setSecret(SecretRecord.newBuilder().setId(secretId(n)).setName("app/db-" + n).setDescription("the db")
                        .putTags("team", "payments")
                        .addVersions(VersionRecord.newBuilder().setVersionId(versionId).addStages("CURRENT")))
                .addValues(value(versionId, 100));
    }

    static ApplyReplicationBatchRequest.Builder batch(ReplicatedChange.Builder... changes) {
        ApplyReplicationBatchRequest.Builder b = ApplyReplicationBatchRequest.newBuilder().setSourceRegion(SOURCE)
                .setEpoch(0).setFirstSeq(1).setLastSeq(Math.max(1, changes.length))
                .setEphemeralPublicKey(ByteString.copyFrom(new byte[TransportKeys.PUBLIC_KEY_BYTES]));
        for (ReplicatedChange.Builder c : changes) {
            b.addChanges(c);
        }
        return b;
    }

    /** One change (seq 1) changed by {@code edit}. */
    static ApplyReplicationBatchRequest.Builder one(Consumer<ReplicatedChange.Builder> edit) {
        ReplicatedChange.Builder c = change(1, 1);
        edit.accept(c);
        return batch(c);
    }

    static void accepted(ApplyReplicationBatchRequest.Builder b) {
        assertThatCode(() -> IncomingBatchRules.check(b.build())).doesNotThrowAnyException();
    }

    static void refused(ApplyReplicationBatchRequest.Builder b, String why) {
        assertThatThrownBy(() -> IncomingBatchRules.check(b.build()))
                .isInstanceOf(KinkoException.class)
                .hasMessageStartingWith("replication batch refused: ")
                .hasMessageContaining(why)
                .satisfies(e -> assertThat(((KinkoException) e).reason()).isEqualTo(Reason.INVALID_REPLICATION_BATCH));
    }

    static String repeat(char c, int n) {
        return String.valueOf(c).repeat(n);
    }

    static void versions(ReplicatedChange.Builder c, int count) {
        c.getSecretBuilder().clearVersions();
        c.clearValues();
        for (int i = 0; i < count; i++) {
            c.getSecretBuilder().addVersions(VersionRecord.newBuilder().setVersionId("version-" + i));
        }
    }

    @Test
    void wellFormedBatchesPass() {
        accepted(batch(change(1, 1), change(2, 2), change(5, 3)).setLastSeq(7));
        // an idle link's heartbeat: nothing new, last_seq just before first_seq
        accepted(batch().setFirstSeq(8).setLastSeq(7));
        // a full copy: every change carries the sequence it covers; the last batch lists the ids
        accepted(batch(change(40, 1), change(40, 2)).setFirstSeq(0).setLastSeq(40).setReseed(true)
                .setReseedComplete(true).addReseedIds(secretId(1)).addReseedIds(secretId(2)));
        accepted(batch(ReplicatedChange.newBuilder().setSeq(1).setSecretId(secretId(9)).setDetach(true)));
        // a secret created without a value: no versions, no values, no key needed
        accepted(one(c -> versions(c, 0)).clearEphemeralPublicKey());
    }

    @Test
    void aBatchCarriesAtMostMaxChanges() {
        ReplicatedChange.Builder[] changes = new ReplicatedChange.Builder[IncomingBatchRules.MAX_CHANGES + 1];
        for (int i = 0; i < changes.length; i++) {
            changes[i] = change(i + 1, i);
        }
        ApplyReplicationBatchRequest.Builder full = batch(java.util.Arrays.copyOf(changes, IncomingBatchRules.MAX_CHANGES));
        accepted(full);
        refused(batch(changes), "at most " + IncomingBatchRules.MAX_CHANGES + " changes, got "
                + (IncomingBatchRules.MAX_CHANGES + 1));
    }

    @Test
    void theShipperSendsNoMoreThanAReceiverTakes() {
        assertThat(ShippingSettings.defaults().batchRecords()).isLessThanOrEqualTo(IncomingBatchRules.MAX_CHANGES);
        assertThat(Shipper.RESEED_BATCH_SECRETS).isLessThanOrEqualTo(IncomingBatchRules.MAX_CHANGES);
        ShippingSettings d = ShippingSettings.defaults();
        assertThatCode(() -> new ShippingSettings(ShippingSettings.MAX_BATCH_RECORDS, d.heartbeat(), d.rpcDeadline(),
                d.maxJournalLag())).doesNotThrowAnyException();
        assertThatThrownBy(() -> new ShippingSettings(ShippingSettings.MAX_BATCH_RECORDS + 1, d.heartbeat(),
                d.rpcDeadline(), d.maxJournalLag())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void secretIdsAreLowercaseUuids() {
        accepted(one(c -> {}));
        refused(one(c -> c.setSecretId(secretId(1).toUpperCase()).getSecretBuilder().setId(secretId(1).toUpperCase())),
                "change 0 (seq 1): secret_id is not a secret id");
        refused(one(c -> c.setSecretId(secretId(1).substring(1)).getSecretBuilder().setId(secretId(1).substring(1))),
                "secret_id is not a secret id");
        refused(one(c -> c.setSecretId("forged").getSecretBuilder().setId("forged")), "secret_id is not a secret id");
        refused(one(c -> c.getSecretBuilder().setId(secretId(2))), "secret.id differs from secret_id");
        refused(batch(change(1, 1)).setReseed(true).setReseedComplete(true).setFirstSeq(0).addReseedIds("forged"),
                "reseed_ids[0] is not a secret id");
    }

    @Test
    void namesFollowTheSecretNameRules() {
        accepted(one(c -> c.getSecretBuilder().setName(repeat('n', Limits.MAX_NAME_LENGTH))));
        String tooLong = repeat('n', Limits.MAX_NAME_LENGTH + 1);
        refused(one(c -> c.getSecretBuilder().setName(tooLong)), "a secret name must be 1-" + Limits.MAX_NAME_LENGTH);
        assertThatThrownBy(() -> IncomingBatchRules.check(one(c -> c.getSecretBuilder().setName(tooLong)).build()))
                .message().doesNotContain(tooLong);
        refused(one(c -> c.getSecretBuilder().setName("")), "a secret name must be 1-");
        refused(one(c -> c.getSecretBuilder().setName("app/db password")), "a secret name may hold only");
    }

    @Test
    void descriptionsFollowTheDescriptionRules() {
        accepted(one(c -> c.getSecretBuilder().setDescription(repeat('d', Limits.MAX_DESCRIPTION_LENGTH))));
        refused(one(c -> c.getSecretBuilder().setDescription(repeat('d', Limits.MAX_DESCRIPTION_LENGTH + 1))),
                "a description must be at most " + Limits.MAX_DESCRIPTION_LENGTH);
        refused(one(c -> c.getSecretBuilder().setDescription("line\nbreak")), "control characters");
    }

    @Test
    void tagsFollowTheTagRules() {
        accepted(one(c -> {
            c.getSecretBuilder().clearTags();
            for (int i = 0; i < Limits.MAX_TAGS; i++) {
                c.getSecretBuilder().putTags("k" + i, "v");
            }
        }));
        refused(one(c -> {
            c.getSecretBuilder().clearTags();
            for (int i = 0; i < Limits.MAX_TAGS + 1; i++) {
                c.getSecretBuilder().putTags("k" + i, "v");
            }
        }), "at most " + Limits.MAX_TAGS + " tags");
        accepted(one(c -> c.getSecretBuilder().putTags(repeat('k', Limits.MAX_TAG_KEY_LENGTH), "v")));
        refused(one(c -> c.getSecretBuilder().putTags(repeat('k', Limits.MAX_TAG_KEY_LENGTH + 1), "v")), "a tag key must be");
        accepted(one(c -> c.getSecretBuilder().putTags("k", repeat('v', Limits.MAX_TAG_VALUE_LENGTH))));
        refused(one(c -> c.getSecretBuilder().putTags("k", repeat('v', Limits.MAX_TAG_VALUE_LENGTH + 1))),
                "a tag value must be");
    }

    @Test
    void aSecretKeepsAtMostMaxVersions() {
        accepted(one(c -> versions(c, Limits.MAX_VERSIONS)));
        refused(one(c -> versions(c, Limits.MAX_VERSIONS + 1)),
                "at most " + Limits.MAX_VERSIONS + " versions, got " + (Limits.MAX_VERSIONS + 1));
    }

    @Test
    void labelsFollowTheLabelRules() {
        List<String> twenty = java.util.stream.IntStream.range(0, Limits.MAX_LABELS_PER_VERSION).mapToObj(i -> "L" + i)
                .toList();
        accepted(one(c -> c.getSecretBuilder().getVersionsBuilder(0).clearStages().addAllStages(twenty)));
        refused(one(c -> c.getSecretBuilder().getVersionsBuilder(0).clearStages().addAllStages(twenty).addStages("one-more")),
                "at most " + Limits.MAX_LABELS_PER_VERSION + " stage labels");
        accepted(one(c -> c.getSecretBuilder().getVersionsBuilder(0).addStages(repeat('l', Limits.MAX_LABEL_LENGTH))));
        refused(one(c -> c.getSecretBuilder().getVersionsBuilder(0).addStages(repeat('l', Limits.MAX_LABEL_LENGTH + 1))),
                "a version stage label must be 1-" + Limits.MAX_LABEL_LENGTH);
        refused(one(c -> c.getSecretBuilder().getVersionsBuilder(0).addStages("not a label")), "may hold only");
        refused(one(c -> c.getSecretBuilder().getVersionsBuilder(0).addStages("CURRENT")), "the same stage label twice");
        refused(one(c -> c.getSecretBuilder().addVersions(VersionRecord.newBuilder().setVersionId("other")
                .addStages("CURRENT"))), "a stage label is on two versions");
    }

    @Test
    void versionIdsHaveTheTokenShape() {
        String longest = repeat('v', Limits.MAX_TOKEN_LENGTH);
        accepted(one(c -> {
            c.getSecretBuilder().getVersionsBuilder(0).setVersionId(longest);
            c.setValues(0, value(longest, 100));
        }));
        String tooLong = repeat('v', Limits.MAX_TOKEN_LENGTH + 1);
        refused(one(c -> c.getSecretBuilder().getVersionsBuilder(0).setVersionId(tooLong)),
                "secret.versions[0].version_id is not a version id");
        refused(one(c -> c.setValues(0, value(tooLong, 100))), "values[0].version_id is not a version id");
        refused(one(c -> c.getSecretBuilder().getVersionsBuilder(0).setVersionId("")), "is not a version id");
        refused(one(c -> c.getSecretBuilder().getVersionsBuilder(0).setVersionId("v/1")), "is not a version id");
        refused(one(c -> c.getSecretBuilder().addVersions(c.getSecret().getVersions(0).toBuilder().clearStages())),
                "secret.versions[1].version_id is listed twice");
        refused(one(c -> c.addValues(c.getValues(0))), "values[1].version_id is listed twice");
    }

    @Test
    void aChangeCarriesAtMostOneValuePerVersion() {
        accepted(one(c -> {
            versions(c, Limits.MAX_VERSIONS);
            for (int i = 0; i < Limits.MAX_VERSIONS; i++) {
                c.addValues(value("version-" + i, 100));
            }
        }));
        refused(one(c -> {
            versions(c, Limits.MAX_VERSIONS);
            for (int i = 0; i < Limits.MAX_VERSIONS + 1; i++) {
                c.addValues(value("version-" + i, 100));
            }
        }), "at most " + Limits.MAX_VERSIONS + " values");
    }

    @Test
    void sealedValuesAreAtMostTheValueLimitPlusTheSealing() {
        assertThat(IncomingBatchRules.MAX_CIPHERTEXT_BYTES).isEqualTo(Limits.MAX_VALUE_BYTES + Aead.OVERHEAD_BYTES);
        String v = "version-0";
        accepted(batch(withValue(v, IncomingBatchRules.MAX_CIPHERTEXT_BYTES)));
        refused(batch(withValue(v, IncomingBatchRules.MAX_CIPHERTEXT_BYTES + 1)),
                "values[0].ciphertext must be " + IncomingBatchRules.MIN_CIPHERTEXT_BYTES + "-"
                        + IncomingBatchRules.MAX_CIPHERTEXT_BYTES + " bytes");
        accepted(batch(withValue(v, IncomingBatchRules.MIN_CIPHERTEXT_BYTES)));
        refused(batch(withValue(v, IncomingBatchRules.MIN_CIPHERTEXT_BYTES - 1)), "values[0].ciphertext must be");
    }

    static ReplicatedChange.Builder withValue(String versionId, int ciphertextBytes) {
        ReplicatedChange.Builder c = change(1, 1);
        versions(c, 1);
        return c.addValues(value(versionId, ciphertextBytes));
    }

    @Test
    void theLimitsMatchWhatSealingMakes() {
        // the largest value, sealed as the primary seals it, and its data key sealed for a transport key
        TransportKeyRecord key = new TransportKeys(new byte[32], List::of).newVersion(1, 0);
        byte[] dataKey = Aead.randomKey();
        byte[] sealedKey = new TransportKeys.Sealing(key.getPublicKey().toByteArray()).seal(secretId(1), "v", dataKey);
        byte[] sealedValue = Aead.seal(dataKey, new byte[0], new byte[Limits.MAX_VALUE_BYTES]);
        assertThat(sealedKey).hasSize(TransportKeys.SEALED_DATA_KEY_BYTES);
        assertThat(sealedValue).hasSize(IncomingBatchRules.MAX_CIPHERTEXT_BYTES);
        assertThat(Aead.seal(dataKey, new byte[0], new byte[1])).hasSize(IncomingBatchRules.MIN_CIPHERTEXT_BYTES);
    }

    @Test
    void sealedDataKeysAndTheEphemeralKeyHaveTheirSizes() {
        refused(one(c -> c.setValues(0, c.getValues(0).toBuilder().setSealedDataKey(
                ByteString.copyFrom(new byte[TransportKeys.SEALED_DATA_KEY_BYTES - 1])))), "sealed_data_key must be");
        refused(one(c -> c.setValues(0, c.getValues(0).toBuilder().setSealedDataKey(
                ByteString.copyFrom(new byte[TransportKeys.SEALED_DATA_KEY_BYTES + 1])))), "sealed_data_key must be");
        refused(batch(change(1, 1)).setEphemeralPublicKey(ByteString.copyFrom(new byte[TransportKeys.PUBLIC_KEY_BYTES - 1])),
                "ephemeral_public_key must be " + TransportKeys.PUBLIC_KEY_BYTES + " bytes");
        refused(batch(change(1, 1)).clearEphemeralPublicKey(), "ephemeral_public_key must be");
    }

    @Test
    void sequencesGoUpWithinTheBatch() {
        accepted(batch(change(3, 1), change(9, 2)).setFirstSeq(3).setLastSeq(9));
        refused(batch(change(2, 1), change(9, 2)).setFirstSeq(3).setLastSeq(9),
                "change 0 (seq 2): seq lies outside the batch's first_seq-last_seq (3-9)");
        refused(batch(change(3, 1), change(10, 2)).setFirstSeq(3).setLastSeq(9), "change 1 (seq 10): seq lies outside");
        refused(batch(change(4, 1), change(4, 2)).setFirstSeq(3).setLastSeq(9), "change 1 (seq 4): seq must be greater than");
        refused(batch(change(5, 1), change(4, 2)).setFirstSeq(3).setLastSeq(9), "seq must be greater than");
        // a full copy: equal sequences, but never going back
        accepted(batch(change(9, 1), change(9, 2)).setFirstSeq(0).setLastSeq(9).setReseed(true)
                .setReseedThroughId(secretId(2)));
        refused(batch(change(9, 1), change(8, 2)).setFirstSeq(0).setLastSeq(9).setReseed(true)
                .setReseedThroughId(secretId(2)), "seq must be at least");
        refused(batch().setFirstSeq(-1).setLastSeq(0), "must not be negative");
        accepted(batch().setFirstSeq(5).setLastSeq(4));
        refused(batch().setFirstSeq(5).setLastSeq(3), "last_seq must be at least first_seq - 1");
    }

    @Test
    void detachesAndUpsertsHaveTheirShapes() {
        refused(batch(ReplicatedChange.newBuilder().setSeq(1).setSecretId(secretId(1)).setDetach(true)
                .addValues(value("v", 100))), "a detach carries no secret and no values");
        refused(one(c -> c.setDetach(true).clearValues()), "a detach carries no secret and no values");
        refused(one(ReplicatedChange.Builder::clearSecret), "a change carries the secret's metadata, or is a detach");
    }

    @Test
    void reseedFlagsGoTogether() {
        refused(batch(change(1, 1)).setReseedComplete(true), "reseed_complete is set without reseed");
        refused(batch(change(1, 1)).setReseed(true).setFirstSeq(0).addReseedIds(secretId(1)),
                "reseed_ids are sent only with the last batch");
    }

    @Test
    void aReseedRangeIsBoundedBySecretIds() {
        accepted(batch(change(1, 1)).setReseed(true).setReseedAfterId(secretId(0)).setReseedThroughId(secretId(1)));
        accepted(batch(change(1, 1)).setReseed(true).setReseedComplete(true).setReseedAfterId(secretId(0)));
        refused(batch(change(1, 1)).setReseed(true).setReseedThroughId("not-an-id"), "bounded by secret ids");
        refused(batch(change(1, 1)).setReseedThroughId(secretId(1)), "come only with a re-seed");
        refused(batch(change(1, 1)).setReseed(true), "names the last id it covers");
    }

    @Test
    void theSourceRegionIsARegionName() {
        accepted(batch(change(1, 1)).setSourceRegion(repeat('r', 63)));
        refused(batch(change(1, 1)).setSourceRegion(repeat('r', 64)), "source_region: a region name is");
        refused(batch(change(1, 1)).setSourceRegion("Tokyo"), "source_region: a region name is");
    }
}
