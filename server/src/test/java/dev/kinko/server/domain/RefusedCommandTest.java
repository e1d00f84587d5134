package dev.kinko.server.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kinko.proto.raft.v1.Command;
import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.CreateSecretCommand;
import dev.kinko.proto.raft.v1.NewVersion;
import dev.kinko.proto.raft.v1.PutLinkCommand;
import dev.kinko.proto.raft.v1.PutValueCommand;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.server.storage.RocksStorage;
import dev.kinko.server.storage.StorageDump;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refused command leaves nothing behind in real RocksDB storage: not on its own, and not
 * between accepted commands of the same Raft entry (group commit).
 */
class RefusedCommandTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final String REGION = "tokyo";

    @TempDir
    Path dir;

    private final CommandApplier applier = new CommandApplier(REGION);

    private static SealedValue sealed(String marker) {
        return SealedValue.newBuilder().setKeyVersion(1)
                .setWrappedDataKey(ByteString.copyFromUtf8("wrapped-" + marker))
                .setCiphertext(ByteString.copyFromUtf8("cipher-" + marker)).build();
    }

    private static Command create(long t, String id, String name, String versionId, String... replicaRegions) {
        return Command.newBuilder().setTimestampMillis(t).setCreateSecret(CreateSecretCommand.newBuilder()
                .setSecretId(id).setName(name).setDescription("d").putTags("team", "db")
                .setVersion(NewVersion.newBuilder().setVersionId(versionId).setValue(sealed(versionId)))
                .addAllReplicaRegions(List.of(replicaRegions))).build();
    }

    private static Command putValue(long t, String id, String versionId) {
        return Command.newBuilder().setTimestampMillis(t).setPutValue(PutValueCommand.newBuilder().setSecretId(id)
                .setVersion(NewVersion.newBuilder().setVersionId(versionId).setValue(sealed(versionId)))).build();
    }

    private static Command link(long t, String region) {
        return Command.newBuilder().setTimestampMillis(t)
                .setPutLink(PutLinkCommand.newBuilder().setRegion(region).addAddresses("127.0.0.1:1")).build();
    }

    /** Applies the commands as one Raft entry at {@code index}; returns their results. */
    private List<CommandResult> applyAsOneEntry(RocksStorage storage, long index, Command... commands) {
        return Entries.applyAsOneEntry(applier, storage, index, List.of(commands));
    }

    @Test
    void aCreateWithAValueAndAnUnlinkedReplicaRegionLeavesNoOrphanValue() throws IOException {
        try (RocksStorage storage = RocksStorage.open(dir.resolve("db"))) {
            // an osaka link, so a linked region is known and only "nowhere" is not
            assertThat(applyAsOneEntry(storage, 1, link(T0, "osaka")).get(0).getErrorReason()).isEmpty();
            SortedMap<String, SortedMap<String, String>> before = StorageDump.of(storage);

            CommandResult result = applyAsOneEntry(storage, 2,
                    create(T0 + 1, "00000000-0000-4000-8000-0000000000a1", "prod/orphan", "v-orphan", "osaka", "nowhere")).get(0);

            assertThat(result.getErrorReason()).isEqualTo(Reason.UNKNOWN_REGION.name());
            assertThat(storage.secretById("00000000-0000-4000-8000-0000000000a1")).isEmpty();
            assertThat(storage.idByName("prod/orphan")).isEmpty();
            assertThat(storage.value("00000000-0000-4000-8000-0000000000a1", "v-orphan")).as("the sealed value of a refused create").isEmpty();
            assertThat(storage.journalHead()).isZero();
            SortedMap<String, SortedMap<String, String>> after = StorageDump.of(storage);
            assertThat(after).as("storage changed by a refused command:\n%s", StorageDump.diff(before, after))
                    .isEqualTo(before);
            assertThat(storage.applied().index()).as("the entry still counts as applied").isEqualTo(2);
        }
    }

    @Test
    void aCreateReplicatedToItsOwnRegionLeavesNoOrphanValue() throws IOException {
        try (RocksStorage storage = RocksStorage.open(dir.resolve("db"))) {
            SortedMap<String, SortedMap<String, String>> before = StorageDump.of(storage);

            CommandResult result = applyAsOneEntry(storage, 1, create(T0, "00000000-0000-4000-8000-0000000000a2", "prod/own", "v-own", REGION))
                    .get(0);

            assertThat(result.getErrorReason()).isEqualTo(Reason.INVALID_REPLICA_REGION.name());
            SortedMap<String, SortedMap<String, String>> after = StorageDump.of(storage);
            assertThat(after).as("storage changed by a refused command:\n%s", StorageDump.diff(before, after))
                    .isEqualTo(before);
        }
    }

    @Test
    void inOneEntryTheAcceptedCommandsLandAndTheRefusedOneLeavesNothing() throws IOException {
        Command first = create(T0, "00000000-0000-4000-8000-0000000000a3", "prod/a", "v-a1", "osaka");
        Command refused = create(T0 + 1, "00000000-0000-4000-8000-0000000000a4", "prod/b", "v-b1", "nowhere");
        Command third = putValue(T0 + 2, "00000000-0000-4000-8000-0000000000a3", "v-a2");

        Map<String, SortedMap<String, String>> withRefusal;
        try (RocksStorage storage = RocksStorage.open(dir.resolve("with-refusal"))) {
            applyAsOneEntry(storage, 1, link(T0 - 1, "osaka"));
            List<CommandResult> results = applyAsOneEntry(storage, 2, first, refused, third);

            assertThat(results.get(0).getErrorReason()).isEmpty();
            assertThat(results.get(1).getErrorReason()).isEqualTo(Reason.UNKNOWN_REGION.name());
            assertThat(results.get(2).getErrorReason()).isEmpty();
            // the accepted ones landed, the second built on the first
            assertThat(storage.secretById("00000000-0000-4000-8000-0000000000a3")).hasValueSatisfying(s -> assertThat(s.getVersionsList())
                    .extracting(v -> v.getVersionId()).containsExactly("v-a1", "v-a2"));
            assertThat(storage.value("00000000-0000-4000-8000-0000000000a3", "v-a1")).contains(sealed("v-a1"));
            assertThat(storage.value("00000000-0000-4000-8000-0000000000a3", "v-a2")).contains(sealed("v-a2"));
            assertThat(storage.journalHead()).as("create and put value of a replicated secret").isEqualTo(2);
            // the refused one left nothing
            assertThat(storage.secretById("00000000-0000-4000-8000-0000000000a4")).isEmpty();
            assertThat(storage.idByName("prod/b")).isEmpty();
            assertThat(storage.value("00000000-0000-4000-8000-0000000000a4", "v-b1")).as("the sealed value of the refused create").isEmpty();
            withRefusal = StorageDump.of(storage);
        }

        Map<String, SortedMap<String, String>> withoutRefusal;
        try (RocksStorage storage = RocksStorage.open(dir.resolve("without-refusal"))) {
            applyAsOneEntry(storage, 1, link(T0 - 1, "osaka"));
            applyAsOneEntry(storage, 2, first, third);
            withoutRefusal = StorageDump.of(storage);
        }
        assertThat(withRefusal).as("the entry with the refused command differs from the one without it:\n%s",
                StorageDump.diff(withoutRefusal, withRefusal)).isEqualTo(withoutRefusal);
    }
}
