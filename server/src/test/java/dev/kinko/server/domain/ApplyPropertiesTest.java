package dev.kinko.server.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.TextFormat;
import dev.kinko.proto.raft.v1.AddRegionKeyCommand;
import dev.kinko.proto.raft.v1.ApplyAccessSyncCommand;
import dev.kinko.proto.raft.v1.ApplyReplicationCommand;
import dev.kinko.proto.raft.v1.Command;
import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.CreateSecretCommand;
import dev.kinko.proto.raft.v1.DeleteLinkCommand;
import dev.kinko.proto.raft.v1.DeletePolicyCommand;
import dev.kinko.proto.raft.v1.ForceDeleteCommand;
import dev.kinko.proto.raft.v1.ForgetRequestsCommand;
import dev.kinko.proto.raft.v1.NewVersion;
import dev.kinko.proto.raft.v1.PolicyRecord;
import dev.kinko.proto.raft.v1.PromoteRegionCommand;
import dev.kinko.proto.raft.v1.PurgeSecretCommand;
import dev.kinko.proto.raft.v1.PutLinkCommand;
import dev.kinko.proto.raft.v1.PutPolicyCommand;
import dev.kinko.proto.raft.v1.PutValueCommand;
import dev.kinko.proto.raft.v1.RegionKeyRecord;
import dev.kinko.proto.raft.v1.RemoveReplicaRegionsCommand;
import dev.kinko.proto.raft.v1.ReplicaChange;
import dev.kinko.proto.raft.v1.ReplicaOutcome;
import dev.kinko.proto.raft.v1.ReplicaOutcomesCommand;
import dev.kinko.proto.raft.v1.ReplicateRegionCommand;
import dev.kinko.proto.raft.v1.ReplicateSecretCommand;
import dev.kinko.proto.raft.v1.RestoreSecretCommand;
import dev.kinko.proto.raft.v1.RewrapDataKeyCommand;
import dev.kinko.proto.raft.v1.ScheduleDeletionCommand;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.StopReplicationCommand;
import dev.kinko.proto.raft.v1.TagResourceCommand;
import dev.kinko.proto.raft.v1.TruncateJournalCommand;
import dev.kinko.proto.raft.v1.UntagResourceCommand;
import dev.kinko.proto.raft.v1.UpdateDescriptionCommand;
import dev.kinko.proto.raft.v1.UpdateLinkCommand;
import dev.kinko.proto.raft.v1.UpdateVersionStageCommand;
import dev.kinko.proto.raft.v1.VersionRecord;
import dev.kinko.server.storage.FileTrees;
import dev.kinko.server.storage.RocksStorage;
import dev.kinko.server.storage.ScratchStorage;
import dev.kinko.server.storage.StorageDump;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * Properties of applying commands to real RocksDB storage, over random command sequences in
 * a small universe (three secrets with fixed ids, a few version ids, labels, tags, a linked
 * region {@code osaka} and a never-linked one {@code nowhere}, a source region {@code seoul}),
 * so that conflicts and refusals are frequent:
 * <ol>
 *   <li>a refused command (non-empty {@code error_reason}) leaves every byte of the storage as
 *   it was;</li>
 *   <li>applying a sequence as one Raft entry (group commit) gives the same results and the same
 *   bytes as applying each command as its own entry;</li>
 *   <li>after every command, each secret's stored summary (version count, labelled versions,
 *   replica regions, prune bound) agrees with its keys.</li>
 * </ol>
 * Values are arbitrary bytes in {@link SealedValue}: the applier never decrypts. Every try
 * starts from the same committed prelude (a secret created with a request id two hours before
 * the sequence) in a fresh RocksDB directory.
 */
class ApplyPropertiesTest {
    private static final String REGION = "tokyo";
    private static final long T0 = 1_700_000_000_000L;
    private static final long HOUR = 3_600_000L;
    private static final long DAY = 24 * HOUR;
    private static final List<String> IDS = List.of("5f0c1c6e-0000-4000-8000-000000000001",
            "5f0c1c6e-0000-4000-8000-000000000002", "5f0c1c6e-0000-4000-8000-000000000003");
    private static final List<String> NAMES = List.of("app/alpha", "app/beta", "app/gamma");
    private static final List<String> REQUEST_FAMILIES = List.of("requests", "requests-by-time");

    /** Committed before every sequence, in both runs of a comparison. */
    private static final Command PRELUDE = Command.newBuilder().setTimestampMillis(T0 - 2 * HOUR)
            .setRequestId("req-old").setCreateSecret(CreateSecretCommand.newBuilder().setSecretId(IDS.get(0))
                    .setName(NAMES.get(0)).setDescription("prelude").putTags("team", "a")
                    .setVersion(NewVersion.newBuilder().setVersionId("v0").setValue(SealedValue.newBuilder()
                            .setKeyVersion(1).setWrappedDataKey(ByteString.copyFromUtf8("w0"))
                            .setCiphertext(ByteString.copyFromUtf8("c0"))))).build();

    private final CommandApplier applier = new CommandApplier(REGION);

    // --- properties --------------------------------------------------------------------------

    @Property(tries = 200)
    void aRefusedCommandLeavesTheStorageAsItWas(@ForAll("scenarios") Scenario scenario) throws IOException {
        Path dir = scratchDir();
        try (RocksStorage storage = RocksStorage.open(dir.resolve("db"))) {
            commit(storage, 1, List.of(PRELUDE));
            long index = 2;
            for (Command command : scenario.commands()) {
                SortedMap<String, SortedMap<String, String>> before = StorageDump.of(storage);
                CommandResult result = commit(storage, index++, List.of(command)).get(0);
                assertThat(ScratchStorage.summaryErrors(storage, IDS)).as("stored summaries after %s",
                        shortText(command)).isEmpty();
                if (result.getErrorReason().isEmpty()) {
                    continue;
                }
                Statistics.label("refusals").collect(result.getErrorReason());
                // a request id remembers its first result, also a refusal: that much may change
                List<String> allowed = command.getRequestId().isEmpty() ? List.of() : REQUEST_FAMILIES;
                SortedMap<String, SortedMap<String, String>> after = StorageDump.of(storage);
                assertThat(StorageDump.without(after, allowed)).as("%s was refused (%s) but changed the storage:%n%s",
                        shortText(command), result.getErrorReason(), StorageDump.diff(before, after))
                        .isEqualTo(StorageDump.without(before, allowed));
            }
        } finally {
            deleteScratch(dir);
        }
    }

    /** Two RocksDB opens per try (about 60 ms each on a busy 2-core machine): fewer tries than above. */
    @Property(tries = 100)
    void oneEntryForAllCommandsEqualsOneEntryPerCommand(@ForAll("scenarios") Scenario scenario) throws IOException {
        Path dir = scratchDir();
        try {
            List<CommandResult> eachResults = new ArrayList<>();
            SortedMap<String, SortedMap<String, String>> each;
            try (RocksStorage storage = RocksStorage.open(dir.resolve("each"))) {
                commit(storage, 1, List.of(PRELUDE));
                long index = 2;
                for (Command command : scenario.commands()) {
                    eachResults.addAll(commit(storage, index++, List.of(command)));
                }
                each = StorageDump.of(storage);
            }
            List<CommandResult> oneResults;
            SortedMap<String, SortedMap<String, String>> one;
            try (RocksStorage storage = RocksStorage.open(dir.resolve("one"))) {
                commit(storage, 1, List.of(PRELUDE));
                oneResults = commit(storage, 2, scenario.commands());
                one = StorageDump.of(storage);
            }
            Statistics.label("refused per sequence")
                    .collect(eachResults.stream().filter(r -> !r.getErrorReason().isEmpty()).count());
            for (int i = 0; i < eachResults.size(); i++) {
                assertThat(oneResults.get(i)).as("result of command %d, %s", i,
                        shortText(scenario.commands().get(i))).isEqualTo(eachResults.get(i));
            }
            assertThat(one).as("one entry (+) vs one entry per command (-):%n%s", StorageDump.diff(each, one))
                    .isEqualTo(each);
        } finally {
            deleteScratch(dir);
        }
    }

    /**
     * Directories of tries still running. When shrinking runs out of time, jqwik leaves the try it
     * was running behind (its {@code finally} never comes), so whatever is left goes at JVM exit.
     */
    private static final Set<Path> SCRATCH = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> SCRATCH.forEach(d -> {
            try {
                FileTrees.delete(d);
            } catch (IOException ignored) {
                // a temporary directory
            }
        })));
    }

    /** A fresh directory per try; in memory (tmpfs) where there is one, as hundreds of RocksDB opens add up. */
    private static Path scratchDir() throws IOException {
        Path shm = Path.of("/dev/shm");
        Path dir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "kinko-apply-props")
                : Files.createTempDirectory("kinko-apply-props");
        SCRATCH.add(dir);
        return dir;
    }

    private static void deleteScratch(Path dir) throws IOException {
        FileTrees.delete(dir);
        SCRATCH.remove(dir);
    }

    private List<CommandResult> commit(RocksStorage storage, long index, List<Command> commands) {
        return Entries.applyAsOneEntry(applier, storage, index, commands);
    }

    static String shortText(Command command) {
        return TextFormat.shortDebugString(command);
    }

    // --- what is generated ------------------------------------------------------------------

    /** A command without its time, the time that passed before it, and its request id (or none). */
    record Step(long delayMillis, String requestId, Command op) {
        @Override
        public String toString() {
            return "+" + delayMillis + "ms " + (requestId.isEmpty() ? "" : "[" + requestId + "] ") + shortText(op);
        }
    }

    /** Commands in order; optionally a link to osaka first. Times increase from {@link #T0}. */
    record Scenario(boolean linkOsakaFirst, List<Step> steps) {
        List<Command> commands() {
            List<Command> out = new ArrayList<>();
            long t = T0;
            if (linkOsakaFirst) {
                out.add(Command.newBuilder().setTimestampMillis(t).setPutLink(PutLinkCommand.newBuilder()
                        .setRegion("osaka").addAddresses("127.0.0.1:1")).build());
            }
            for (Step s : steps) {
                t += s.delayMillis();
                out.add(s.op().toBuilder().setTimestampMillis(t).setRequestId(s.requestId()).build());
            }
            return out;
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder(linkOsakaFirst ? "link osaka, then\n" : "no link first\n");
            steps.forEach(s -> b.append("  ").append(s).append('\n'));
            return b.toString();
        }
    }

    @Provide
    Arbitrary<Scenario> scenarios() {
        Arbitrary<Step> step = Combinators.combine(delays(), requestIds(), commands()).as(Step::new);
        return Combinators.combine(Arbitraries.of(false, true),
                        step.list().ofMinSize(1).ofMaxSize(40).withSizeDistribution(RandomDistribution.uniform()))
                .as(Scenario::new);
    }

    private static Arbitrary<Long> delays() {
        // mostly close together; sometimes past a recovery window, so purges fall due
        return Arbitraries.frequency(Tuple.of(6, 1L), Tuple.of(6, 1_000L), Tuple.of(1, 8 * DAY),
                Tuple.of(1, 31 * DAY));
    }

    private static Arbitrary<String> requestIds() {
        return Arbitraries.frequency(Tuple.of(8, ""), Tuple.of(1, "req-1"), Tuple.of(1, "req-2"),
                Tuple.of(1, "req-old"));
    }

    @SuppressWarnings("unchecked")
    private static Arbitrary<Command> commands() {
        Arbitrary<Command> describe = forSecret(id -> c -> c.setUpdateDescription(
                UpdateDescriptionCommand.newBuilder().setSecretId(id).setDescription("changed")));
        Arbitrary<Command> schedule = Combinators.combine(secretIds(), Arbitraries.integers().between(7, 30))
                .as((id, days) -> op(c -> c.setScheduleDeletion(
                        ScheduleDeletionCommand.newBuilder().setSecretId(id).setRecoveryWindowDays(days))));
        Arbitrary<Command> restore = forSecret(id -> c -> c.setRestoreSecret(
                RestoreSecretCommand.newBuilder().setSecretId(id)));
        Arbitrary<Command> forceDelete = forSecret(id -> c -> c.setForceDelete(
                ForceDeleteCommand.newBuilder().setSecretId(id)));
        Arbitrary<Command> purge = forSecret(id -> c -> c.setPurgeSecret(
                PurgeSecretCommand.newBuilder().setSecretId(id)));
        Arbitrary<Command> untag = Combinators.combine(secretIds(),
                        Arbitraries.of("team", "env", "bulk-00", "none").list().ofMinSize(1).ofMaxSize(2))
                .as((id, keys) -> op(c -> c.setUntagResource(
                        UntagResourceCommand.newBuilder().setSecretId(id).addAllKeys(keys))));
        Arbitrary<Command> replicate = Combinators.combine(secretIds(), replicaRegions(), Arbitraries.of(false, true))
                .as((id, regions, force) -> op(c -> c.setReplicateSecret(ReplicateSecretCommand.newBuilder()
                        .setSecretId(id).addAllRegions(regions).setForceOverwrite(force))));
        Arbitrary<Command> removeRegions = Combinators.combine(secretIds(),
                        Arbitraries.of("osaka", "nowhere", "tokyo").list().ofMinSize(1).ofMaxSize(2))
                .as((id, regions) -> op(c -> c.setRemoveReplicaRegions(
                        RemoveReplicaRegionsCommand.newBuilder().setSecretId(id).addAllRegions(regions))));
        Arbitrary<Command> putLink = Arbitraries.of("osaka", "tokyo").map(r -> op(c -> c.setPutLink(
                PutLinkCommand.newBuilder().setRegion(r).addAddresses("127.0.0.1:2"))));
        Arbitrary<Command> deleteLink = Arbitraries.of("osaka", "nowhere").map(r -> op(c -> c.setDeleteLink(
                DeleteLinkCommand.newBuilder().setRegion(r))));
        Arbitrary<Command> truncate = Arbitraries.longs().between(0, 6).map(upTo -> op(c -> c.setTruncateJournal(
                TruncateJournalCommand.newBuilder().setUpTo(upTo))));
        Arbitrary<Command> replicateRegion = Arbitraries.of("osaka", "nowhere").map(r -> op(c -> c.setReplicateRegion(
                ReplicateRegionCommand.newBuilder().setRegion(r))));
        Arbitrary<Command> stop = forSecret(id -> c -> c.setStopReplication(
                StopReplicationCommand.newBuilder().setSecretId(id)));
        Arbitrary<Command> promote = Arbitraries.just(op(c -> c.setPromoteRegion(
                PromoteRegionCommand.getDefaultInstance())));
        Arbitrary<Command> forget = Arbitraries.of(T0 - HOUR, T0 - 3 * HOUR).map(before -> op(c -> c.setForgetRequests(
                ForgetRequestsCommand.newBuilder().setAppliedBeforeMillis(before))));
        Arbitrary<Command> regionKey = Arbitraries.integers().between(1, 2).map(v -> op(c -> c.setAddRegionKey(
                AddRegionKeyCommand.newBuilder().setKey(RegionKeyRecord.newBuilder().setVersion(v)
                        .setWrappedKey(ByteString.copyFromUtf8("rk" + v))))));
        Arbitrary<Command> rewrap = Combinators.combine(secretIds(), versionIds(), Arbitraries.integers().between(1, 2))
                .as((id, v, from) -> op(c -> c.setRewrapDataKey(RewrapDataKeyCommand.newBuilder().setSecretId(id)
                        .setVersionId(v).setFromKeyVersion(from).setKeyVersion(from + 1)
                        .setWrappedDataKey(ByteString.copyFromUtf8("rewrapped")))));
        Arbitrary<Command> putPolicy = Arbitraries.of("p1", "p2").map(p -> op(c -> c.setPutPolicy(
                PutPolicyCommand.newBuilder().setPolicy(PolicyRecord.newBuilder().setName(p).setDocument("{}")))));
        Arbitrary<Command> deletePolicy = Arbitraries.of("p1", "p2").map(p -> op(c -> c.setDeletePolicy(
                DeletePolicyCommand.newBuilder().setName(p))));
        Arbitrary<Command> accessSync = Arbitraries.longs().between(1, 3).map(v -> op(c -> c.setApplyAccessSync(
                ApplyAccessSyncCommand.newBuilder().setSourceRegion("seoul").setAccessVersion(v)
                        .addPolicies(PolicyRecord.newBuilder().setName("p1").setDocument("{\"seoul\":1}")))));
        return Arbitraries.frequencyOf(
                Tuple.of(8, createSecret()),
                Tuple.of(8, putValue()),
                Tuple.of(2, describe),
                Tuple.of(6, updateVersionStage()),
                Tuple.of(3, schedule),
                Tuple.of(2, restore),
                Tuple.of(2, forceDelete),
                Tuple.of(2, purge),
                Tuple.of(4, tagResource()),
                Tuple.of(2, untag),
                Tuple.of(4, replicate),
                Tuple.of(3, removeRegions),
                Tuple.of(2, putLink),
                Tuple.of(1, deleteLink),
                Tuple.of(2, updateLink()),
                Tuple.of(1, truncate),
                Tuple.of(2, replicaOutcomes()),
                Tuple.of(1, replicateRegion),
                Tuple.of(3, applyReplication()),
                Tuple.of(1, stop),
                Tuple.of(1, promote),
                Tuple.of(1, forget),
                Tuple.of(1, regionKey),
                Tuple.of(2, rewrap),
                Tuple.of(1, putPolicy),
                Tuple.of(1, deletePolicy),
                Tuple.of(1, accessSync));
    }

    private static Command op(Consumer<Command.Builder> fill) {
        Command.Builder c = Command.newBuilder();
        fill.accept(c);
        return c.build();
    }

    private static Arbitrary<Command> forSecret(java.util.function.Function<String, Consumer<Command.Builder>> fill) {
        return secretIds().map(id -> op(fill.apply(id)));
    }

    private static Arbitrary<Integer> secrets() {
        return Arbitraries.integers().between(0, IDS.size() - 1);
    }

    private static Arbitrary<String> secretIds() {
        return secrets().map(IDS::get);
    }

    private static Arbitrary<String> versionIds() {
        return Arbitraries.of("v0", "v1", "v2", "v3", "v4");
    }

    private static Arbitrary<String> labels() {
        return Arbitraries.of(Stages.CURRENT, Stages.PREVIOUS, Stages.PENDING, "custom");
    }

    private static Arbitrary<SealedValue> sealedValues() {
        Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(12);
        return Combinators.combine(Arbitraries.integers().between(1, 2), bytes, bytes, Arbitraries.of(false, true))
                .as((keyVersion, wrapped, cipher, binary) -> SealedValue.newBuilder().setKeyVersion(keyVersion)
                        .setWrappedDataKey(ByteString.copyFrom(wrapped)).setCiphertext(ByteString.copyFrom(cipher))
                        .setBinary(binary).build());
    }

    private static Arbitrary<NewVersion> newVersions() {
        return Combinators.combine(versionIds(), sealedValues(), labels().list().uniqueElements().ofMaxSize(2))
                .as((id, value, stages) -> NewVersion.newBuilder().setVersionId(id).setValue(value)
                        .addAllStages(stages).build());
    }

    /** Mostly none or osaka; sometimes the unlinked region or this region itself (both refused). */
    private static Arbitrary<List<String>> replicaRegions() {
        return Arbitraries.frequency(Tuple.of(6, List.<String>of()), Tuple.of(4, List.of("osaka")),
                Tuple.of(1, List.of("nowhere")), Tuple.of(1, List.of("osaka", "nowhere")), Tuple.of(1, List.of("tokyo")));
    }

    private static Arbitrary<Map<String, String>> tags() {
        Arbitrary<Map<String, String>> few = Arbitraries.maps(Arbitraries.of("team", "env", "owner"),
                Arbitraries.of("a", "b")).ofMaxSize(2);
        // near and past the limit (together with tags already there)
        Arbitrary<Map<String, String>> many = Arbitraries.integers().between(Limits.MAX_TAGS - 2, Limits.MAX_TAGS + 1)
                .map(n -> {
                    Map<String, String> m = new LinkedHashMap<>();
                    for (int i = 0; i < n; i++) {
                        m.put(String.format("bulk-%02d", i), "x");
                    }
                    return m;
                });
        return Arbitraries.frequencyOf(Tuple.of(5, few), Tuple.of(1, many));
    }

    private static Arbitrary<Command> createSecret() {
        Arbitrary<NewVersion> version = Arbitraries.frequencyOf(Tuple.of(4, newVersions()),
                Tuple.of(1, Arbitraries.just(NewVersion.getDefaultInstance())));
        return Combinators.combine(secrets(), version, replicaRegions(), Arbitraries.maps(
                Arbitraries.of("team", "env"), Arbitraries.of("a", "b")).ofMaxSize(1), Arbitraries.of(false, true))
                .as((i, v, regions, tags, force) -> {
                    CreateSecretCommand.Builder b = CreateSecretCommand.newBuilder().setSecretId(IDS.get(i))
                            .setName(NAMES.get(i)).setDescription("created").putAllTags(tags)
                            .addAllReplicaRegions(regions).setForceOverwrite(force);
                    if (!v.getVersionId().isEmpty()) {
                        b.setVersion(v);
                    }
                    return op(c -> c.setCreateSecret(b));
                });
    }

    private static Arbitrary<Command> putValue() {
        Arbitrary<String> description = Arbitraries.of("", "", "put-with-description");
        return Combinators.combine(secretIds(), newVersions(), description).as((id, v, d) -> {
            PutValueCommand.Builder b = PutValueCommand.newBuilder().setSecretId(id).setVersion(v);
            if (!d.isEmpty()) {
                b.setDescription(d);
            }
            return op(c -> c.setPutValue(b));
        });
    }

    private static Arbitrary<Command> updateVersionStage() {
        Arbitrary<String> maybeVersion = Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just("")),
                Tuple.of(3, versionIds()));
        return Combinators.combine(secretIds(), labels(), maybeVersion, maybeVersion).as((id, label, from, to) ->
                op(c -> c.setUpdateVersionStage(UpdateVersionStageCommand.newBuilder().setSecretId(id).setStage(label)
                        .setRemoveFromVersionId(from).setMoveToVersionId(to))));
    }

    private static Arbitrary<Command> tagResource() {
        return Combinators.combine(secretIds(), tags()).as((id, tags) ->
                op(c -> c.setTagResource(TagResourceCommand.newBuilder().setSecretId(id).putAllTags(tags))));
    }

    private static Arbitrary<Command> updateLink() {
        return Combinators.combine(Arbitraries.of("osaka", "osaka", "nowhere"), Arbitraries.longs().between(0, 6),
                Arbitraries.of(false, false, true), Arbitraries.of(false, true)).as((region, watermark, rewound, reseeded) ->
                op(c -> c.setUpdateLink(UpdateLinkCommand.newBuilder().setRegion(region).setWatermark(watermark)
                        .setAckedMillis(T0 + watermark).setRewound(rewound).setReseeded(reseeded))));
    }

    private static Arbitrary<Command> replicaOutcomes() {
        return Combinators.combine(secretIds(), Arbitraries.longs().between(0, 6), Arbitraries.of(false, true))
                .as((id, seq, detached) -> op(c -> c.setReplicaOutcomes(ReplicaOutcomesCommand.newBuilder()
                        .setRegion("osaka").addOutcomes(ReplicaOutcome.newBuilder().setSecretId(id).setSeq(seq)
                                .setDetached(detached).setFailureMessage(detached ? "" : "name exists in osaka")))));
    }

    /** A batch shipped from source region seoul: one secret, maybe out of order, maybe a detach. */
    private static Arbitrary<Command> applyReplication() {
        return Combinators.combine(secrets(), Arbitraries.longs().between(1, 4), versionIds(), sealedValues(),
                Arbitraries.of(false, false, true), Arbitraries.of(false, false, true), Arbitraries.longs().between(0, 1))
                .as((i, seq, versionId, value, force, detach, epoch) -> {
                    ReplicaChange.Builder change = ReplicaChange.newBuilder().setSeq(seq).setSecretId(IDS.get(i))
                            .setForceOverwrite(force).setDetach(detach);
                    if (!detach) {
                        change.setSecret(SecretRecord.newBuilder().setId(IDS.get(i)).setName(NAMES.get(i))
                                .setDescription("from seoul").setCreatedMillis(T0).setLastChangedMillis(T0)
                                .setPrimaryRegion("seoul").addVersions(VersionRecord.newBuilder()
                                        .setVersionId(versionId).addStages(Stages.CURRENT).setCreatedMillis(T0)))
                                .putValues(versionId, value);
                    }
                    return op(c -> c.setApplyReplication(ApplyReplicationCommand.newBuilder().setSourceRegion("seoul")
                            .setEpoch(epoch).setFirstSeq(seq).setLastSeq(seq).addChanges(change)));
                });
    }
}
