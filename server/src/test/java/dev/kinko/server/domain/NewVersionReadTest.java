package dev.kinko.server.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kinko.proto.raft.v1.Command;
import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.CreateSecretCommand;
import dev.kinko.proto.raft.v1.NewVersion;
import dev.kinko.proto.raft.v1.PutValueCommand;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.UpdateVersionStageCommand;
import dev.kinko.server.storage.ScratchStorage;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A new version reads only the stored metadata and its summary ({@code StateReader.secretForNewVersion}):
 * the labelled versions, the replica regions and, once the secret is full, the oldest deprecated
 * version. Random puts and label moves past {@link Limits#MAX_VERSIONS}, applied to a store that
 * reads partially and to one whose metadata lacks the summary (so each put reads the whole
 * secret), give the same results and the same keys, and the summary agrees with the keys after
 * every command.
 */
class NewVersionReadTest {
    static final List<String> IDS = List.of("00000000-0000-4000-8000-0000000000a1", "00000000-0000-4000-8000-0000000000a2");
    static final List<String> LABELS = List.of("CURRENT", "PREVIOUS", "PENDING", "blue", "green");
    static final int COMMANDS = 600;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void aPartialReadWritesWhatTheWholeSecretWould(long seed) {
        Random random = new Random(seed);
        List<List<String>> versionIds = List.of(new ArrayList<>(), new ArrayList<>());
        CommandApplier applier = new CommandApplier("tokyo");
        try (ScratchStorage partial = ScratchStorage.open(); ScratchStorage whole = ScratchStorage.open()) {
            for (int s = 0; s < IDS.size(); s++) {
                Command create = Command.newBuilder().setTimestampMillis(1).setCreateSecret(CreateSecretCommand
                        .newBuilder().setSecretId(IDS.get(s)).setName("app/" + s).setVersion(version("v" + s + "-0")))
                        .build();
                assertThat(applier.apply(create, partial.state()).getErrorReason()).isEmpty();
                assertThat(applier.apply(create, whole.state()).getErrorReason()).isEmpty();
                versionIds.get(s).add("v" + s + "-0");
            }
            for (int i = 0; i < COMMANDS; i++) {
                int s = random.nextInt(IDS.size());
                Command command = random.nextInt(10) < 7 ? put(random, s, i, versionIds.get(s))
                        : moveLabel(random, s, versionIds.get(s));
                command = command.toBuilder().setTimestampMillis(10 + i).build();
                whole.forgetSummaries();
                CommandResult viaPartial = applier.apply(command, partial.state());
                CommandResult viaWhole = applier.apply(command, whole.state());
                assertThat(viaPartial).as("command %d: %s", i, command).isEqualTo(viaWhole);
                assertThat(partial.summaryErrors()).as("the stored summaries, after command %d", i).isEmpty();
            }
            assertThat(IDS).as("the puts went past the limit, so versions were pruned")
                    .anyMatch(id -> partial.state().secretById(id).orElseThrow().getVersionsCount() == Limits.MAX_VERSIONS);
            partial.forgetSummaries();
            whole.forgetSummaries();
            assertThat(partial.dump()).isEqualTo(whole.dump());
        }
    }

    private static Command put(Random random, int s, int i, List<String> versionIds) {
        String versionId = random.nextInt(20) == 0 ? versionIds.get(random.nextInt(versionIds.size())) // a retry
                : "v" + s + "-" + (i + 1);
        NewVersion.Builder v = version(versionId);
        int kind = random.nextInt(10);
        if (kind == 0) {
            v.addStages("PENDING");
        } else if (kind == 1) {
            v.addStages(LABELS.get(3 + random.nextInt(2)));
        } else if (kind == 2) {
            v.addStages("CURRENT").addStages(LABELS.get(3 + random.nextInt(2)));
        } // else none: CURRENT
        versionIds.add(versionId);
        return Command.newBuilder().setPutValue(PutValueCommand.newBuilder().setSecretId(IDS.get(s)).setVersion(v))
                .build();
    }

    /** Moves or removes a label between random versions; refusals (a wrong holder, say) are compared too. */
    private static Command moveLabel(Random random, int s, List<String> versionIds) {
        UpdateVersionStageCommand.Builder c = UpdateVersionStageCommand.newBuilder().setSecretId(IDS.get(s))
                .setStage(LABELS.get(random.nextInt(LABELS.size())));
        if (random.nextBoolean()) {
            c.setRemoveFromVersionId(versionIds.get(random.nextInt(versionIds.size())));
        }
        if (random.nextInt(4) > 0) {
            c.setMoveToVersionId(versionIds.get(random.nextInt(versionIds.size())));
        }
        return Command.newBuilder().setUpdateVersionStage(c).build();
    }

    private static NewVersion.Builder version(String versionId) {
        return NewVersion.newBuilder().setVersionId(versionId).setValue(SealedValue.newBuilder().setKeyVersion(1)
                .setCiphertext(ByteString.copyFromUtf8("c-" + versionId)));
    }
}
