package dev.kinko.server.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kinko.proto.raft.v1.JournalRecord;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.VersionRecord;
import java.util.List;
import org.junit.jupiter.api.Test;

class CoalescerTest {
    static SecretRecord secret(String id, String... versions) {
        SecretRecord.Builder b = SecretRecord.newBuilder().setId(id).setName("n-" + id);
        for (String v : versions) {
            b.addVersions(VersionRecord.newBuilder().setVersionId(v));
        }
        return b.build();
    }

    static JournalRecord record(long seq, SecretRecord secret, String... newVersions) {
        return JournalRecord.newBuilder().setSeq(seq).setSecretId(secret.getId()).setSecret(secret)
                .addAllVersionIds(List.of(newVersions)).addRegions("osaka").build();
    }

    @Test
    void aSecretsRecordsFoldIntoTheLastStateWithEveryValueItStillLists() {
        List<JournalRecord> folded = Coalescer.coalesce(List.of(
                record(1, secret("a", "v1"), "v1"),
                record(2, secret("b", "w1"), "w1"),
                record(3, secret("a", "v1", "v2"), "v2"),
                record(4, secret("a", "v2", "v3"), "v3")));
        assertThat(folded).hasSize(2);
        JournalRecord a = folded.stream().filter(r -> r.getSecretId().equals("a")).findFirst().orElseThrow();
        assertThat(a.getSeq()).isEqualTo(4);
        assertThat(a.getSecret()).isEqualTo(secret("a", "v2", "v3"));
        // v1 was pruned by the end of the batch: its value need not travel
        assertThat(a.getVersionIdsList()).containsExactly("v2", "v3");
        assertThat(folded).extracting(JournalRecord::getSeq).containsExactly(2L, 4L);
    }

    @Test
    void forceOverwriteSurvivesTheFold() {
        JournalRecord forced = record(1, secret("a", "v1"), "v1").toBuilder().setForceOverwrite(true).build();
        List<JournalRecord> folded = Coalescer.coalesce(List.of(forced, record(2, secret("a", "v1", "v2"), "v2")));
        assertThat(folded).singleElement().satisfies(r -> {
            assertThat(r.getForceOverwrite()).isTrue();
            assertThat(r.getVersionIdsList()).containsExactly("v1", "v2");
        });
    }

    @Test
    void aSecretWithADetachInTheBatchIsLeftInOrder() {
        JournalRecord detach = JournalRecord.newBuilder().setSeq(2).setSecretId("a").setDetach(true)
                .addRegions("osaka").build();
        List<JournalRecord> records = List.of(record(1, secret("a", "v1"), "v1"), detach,
                record(3, secret("a", "v1", "v2"), "v2"));
        assertThat(Coalescer.coalesce(records)).containsExactlyElementsOf(records);
    }
}
