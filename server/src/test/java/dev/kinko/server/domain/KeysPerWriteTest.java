package dev.kinko.server.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kinko.proto.raft.v1.Command;
import dev.kinko.proto.raft.v1.CreateSecretCommand;
import dev.kinko.proto.raft.v1.NewVersion;
import dev.kinko.proto.raft.v1.PutValueCommand;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.server.storage.ScratchStorage;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** A write touches the keys it changes, not the whole secret: the same few with 1 version or 100. */
class KeysPerWriteTest {
    static final String ID = "00000000-0000-4000-8000-000000000042";

    static Command put(long t, String versionId) {
        return Command.newBuilder().setTimestampMillis(t).setPutValue(PutValueCommand.newBuilder().setSecretId(ID)
                .setVersion(NewVersion.newBuilder().setVersionId(versionId).setValue(SealedValue.newBuilder()
                        .setKeyVersion(1).setCiphertext(ByteString.copyFromUtf8("c-" + versionId))))).build();
    }

    /** Keys added, changed or removed between two dumps, by column family. */
    static Map<String, Integer> changed(SortedMap<String, SortedMap<String, String>> before,
                                        SortedMap<String, SortedMap<String, String>> after) {
        Map<String, Integer> out = new TreeMap<>();
        for (String family : after.keySet()) {
            Map<String, String> b = before.getOrDefault(family, new TreeMap<>());
            Map<String, String> a = after.get(family);
            int n = 0;
            for (String k : a.keySet()) {
                n += a.get(k).equals(b.get(k)) ? 0 : 1;
            }
            for (String k : b.keySet()) {
                n += a.containsKey(k) ? 0 : 1;
            }
            if (n > 0) {
                out.put(family, n);
            }
        }
        return out;
    }

    /** Applies a put to a secret holding {@code versions} versions; returns the keys it changed. */
    static Map<String, Integer> keysOfAPut(int versions) {
        try (ScratchStorage scratch = ScratchStorage.open()) {
            CommandApplier applier = new CommandApplier("tokyo");
            applier.apply(Command.newBuilder().setTimestampMillis(1).setCreateSecret(CreateSecretCommand.newBuilder()
                    .setSecretId(ID).setName("app/key").setVersion(NewVersion.newBuilder().setVersionId("v0")
                            .setValue(SealedValue.newBuilder().setKeyVersion(1)))).build(), scratch.state());
            for (int i = 1; i < versions; i++) {
                assertThat(applier.apply(put(1 + i, "v" + i), scratch.state()).getErrorReason()).isEmpty();
            }
            assertThat(scratch.state().secretById(ID).orElseThrow().getVersionsCount()).isEqualTo(versions);
            var before = scratch.dump();
            assertThat(applier.apply(put(10_000, "new"), scratch.state()).getErrorReason()).isEmpty();
            return changed(before, scratch.dump());
        }
    }

    @Test
    void aPutOnASecretWithOneVersionOrAHundredWritesTheSameFewKeys() {
        Map<String, Integer> one = keysOfAPut(1);
        Map<String, Integer> hundred = keysOfAPut(Limits.MAX_VERSIONS);
        // metadata, the new version, its id, its value, and CURRENT and PREVIOUS moved
        assertThat(one).containsExactlyInAnyOrderEntriesOf(Map.of("secret-meta", 1, "versions", 1, "version-ids", 1,
                "sealed-values", 1, "labels", 2));
        // the same, plus the oldest unlabelled version pruned (its version, id and value keys)
        assertThat(hundred).containsExactlyInAnyOrderEntriesOf(Map.of("secret-meta", 1, "versions", 2,
                "version-ids", 2, "sealed-values", 2, "labels", 2));
    }
}
