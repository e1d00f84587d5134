package dev.kinko.server.storage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kinko.proto.raft.v1.JournalRecord;
import dev.kinko.proto.raft.v1.LinkRecord;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.SourceRecord;
import dev.kinko.proto.raft.v1.VersionRecord;
import dev.kinko.proto.v1.DescribeSecretRequest;
import dev.kinko.proto.v1.GetRegionStatusRequest;
import dev.kinko.proto.v1.GetRegionStatusResponse;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.GetSecretValueResponse;
import dev.kinko.proto.v1.ListSecretVersionIdsRequest;
import dev.kinko.proto.v1.ListSecretsRequest;
import dev.kinko.proto.v1.ListSecretsResponse;
import dev.kinko.proto.v1.ListUnshippedChangesRequest;
import dev.kinko.proto.v1.ReadConsistency;
import dev.kinko.proto.v1.RegionLinkStatus;
import dev.kinko.proto.v1.SecretMetadata;
import dev.kinko.proto.v1.SecretVersionInfo;
import dev.kinko.proto.v1.SourceRegionStatus;
import dev.kinko.proto.v1.Tag;
import dev.kinko.server.config.NodeConfig;
import dev.kinko.server.testing.TestRegion;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The v1 data-directory fixture ({@code src/test/resources/fixtures/v1/}): two regions written by
 * the layout of revision 15aecba ({@link V1FixtureMaker}), zipped, and what they held then
 * ({@code expected.json}) as facts that any later layout must still show: through the API
 * ({@link SecretFacts}, {@link RegionFacts}) and through {@code StateReader}/{@code StateQueries}
 * ({@link StorageFacts}).
 */
public final class V1Fixture {
    public static final String RESOURCE_DIR = "/fixtures/v1/";
    public static final String ZIP = "v1-data.zip";
    public static final String EXPECTED = "expected.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private V1Fixture() {}

    // --- what expected.json holds -----------------------------------------------------------

    public record Peer(String id, String raftAddress, String clientAddress) {
        NodeConfig.Peer config() {
            return new NodeConfig.Peer(id, raftAddress, clientAddress);
        }
    }

    /** How to start a region on the fixture again: its nodes' addresses and the links it was configured with. */
    public record RegionSetup(List<Peer> peers, Map<String, List<String>> links) {
        public List<NodeConfig.Peer> configPeers() {
            return peers.stream().map(Peer::config).toList();
        }
    }

    /** A version as the API shows it; {@code value} is {@code string:<text>} or {@code binary:<base64>}, null when unreadable. */
    public record VersionFacts(String id, List<String> stages, long createdMillis, String value) {}

    public record SecretFacts(String name, String id, String description, Map<String, String> tags,
                              String primaryRegion, boolean replica, List<String> replicaRegions,
                              long createdMillis, long lastChangedMillis, long deletedMillis,
                              List<VersionFacts> versions) {}

    public record LinkFacts(String region, long epoch, long watermark, List<String> addresses) {}

    public record SourceFacts(String region, long epoch, long appliedSeq, boolean promoted) {}

    public record ChangeFacts(long seq, String secretId, String name, long changedMillis, List<String> versionIds) {}

    /** GetRegionStatus and ListUnshippedChanges of every link. */
    public record RegionFacts(long journalHead, long journalStart, List<LinkFacts> links, List<SourceFacts> sources,
                              Map<String, List<ChangeFacts>> unshipped) {}

    public record JournalFacts(long seq, long timestampMillis, String secretId, List<String> regions,
                               List<String> versionIds, boolean detach, boolean forceOverwrite) {}

    /** What one node's RocksDB holds, read through StateReader / StateQueries. */
    public record StorageFacts(Map<String, String> idsByName, Map<String, List<String>> versionsById,
                               Map<String, List<String>> valuesById, long journalHead, List<JournalFacts> journal,
                               List<LinkFacts> links, List<SourceFacts> sources) {}

    /**
     * {@code madeMillis}: when the fixture was made; a test starts the regions with a clock from
     * shortly after it, so the secret scheduled for deletion is never due for its purge.
     */
    public record Expected(String writtenBy, long madeMillis, Map<String, RegionSetup> setup, Map<String, List<SecretFacts>> secrets,
                           Map<String, RegionFacts> regions, Map<String, StorageFacts> storage,
                           Map<String, String> plaintexts) {}

    public static Expected expected() throws IOException {
        try (InputStream in = resource(EXPECTED)) {
            return JSON.readValue(in, Expected.class);
        }
    }

    public static void write(Expected expected, Path file) throws IOException {
        JSON.writeValue(file.toFile(), expected);
    }

    static InputStream resource(String name) throws IOException {
        InputStream in = V1Fixture.class.getResourceAsStream(RESOURCE_DIR + name);
        if (in == null) {
            throw new IOException("test resource " + RESOURCE_DIR + name + " is missing; make it with V1FixtureMaker");
        }
        return in;
    }

    // --- reading the facts --------------------------------------------------------------------

    /** Every secret of the region (also those scheduled for deletion), in name order. */
    public static List<SecretFacts> secrets(TestRegion region) {
        List<SecretFacts> out = new ArrayList<>();
        String token = "";
        do {
            String page = token;
            ListSecretsResponse r = region.withRetry(s -> s.listSecrets(ListSecretsRequest.newBuilder()
                    .setIncludePlannedDeletion(true).setPageToken(page)
                    .setConsistency(ReadConsistency.READ_CONSISTENCY_LINEARIZABLE).build()));
            for (SecretMetadata listed : r.getSecretsList()) {
                out.add(secret(region, listed.getName()));
            }
            token = r.getNextPageToken();
        } while (!token.isEmpty());
        out.sort(Comparator.comparing(SecretFacts::name));
        return out;
    }

    public static SecretFacts secret(TestRegion region, String name) {
        SecretMetadata m = region.withRetry(s -> s.describeSecret(DescribeSecretRequest.newBuilder().setSecretId(name)
                .setConsistency(ReadConsistency.READ_CONSISTENCY_LINEARIZABLE).build())).getSecret();
        List<SecretVersionInfo> infos = region.withRetry(s -> s.listSecretVersionIds(ListSecretVersionIdsRequest
                .newBuilder().setSecretId(name).setIncludeDeprecated(true).setPageSize(100)
                .setConsistency(ReadConsistency.READ_CONSISTENCY_LINEARIZABLE).build())).getVersionsList();
        boolean deleted = m.hasDeletedDate();
        List<VersionFacts> versions = new ArrayList<>();
        for (SecretVersionInfo v : infos) {
            String value = deleted ? null : value(region.withRetry(s -> s.getSecretValue(GetSecretValueRequest
                    .newBuilder().setSecretId(name).setVersionId(v.getVersionId())
                    .setConsistency(ReadConsistency.READ_CONSISTENCY_LINEARIZABLE).build())));
            versions.add(new VersionFacts(v.getVersionId(), v.getVersionStagesList().stream().sorted().toList(),
                    millis(v.getCreatedDate()), value));
        }
        versions.sort(Comparator.comparing(VersionFacts::id));
        Map<String, String> tags = new TreeMap<>();
        for (Tag t : m.getTagsList()) {
            tags.put(t.getKey(), t.getValue());
        }
        return new SecretFacts(m.getName(), m.getId(), m.getDescription(), tags, m.getPrimaryRegion(), m.getReplica(),
                m.getReplicationStatusList().stream().map(r -> r.getRegion()).sorted().toList(),
                millis(m.getCreatedDate()), millis(m.getLastChangedDate()),
                m.hasDeletedDate() ? millis(m.getDeletedDate()) : 0, versions);
    }

    public static String value(GetSecretValueResponse r) {
        return r.hasSecretBinary() ? "binary:" + Base64.getEncoder().encodeToString(r.getSecretBinary().toByteArray())
                : "string:" + r.getSecretString();
    }

    public static RegionFacts region(TestRegion region) {
        GetRegionStatusResponse status = region.admin(region.awaitLeader())
                .getRegionStatus(GetRegionStatusRequest.getDefaultInstance());
        List<LinkFacts> links = new ArrayList<>();
        Map<String, List<ChangeFacts>> unshipped = new TreeMap<>();
        for (RegionLinkStatus l : status.getLinksList()) {
            links.add(new LinkFacts(l.getRegion(), l.getEpoch(), l.getWatermark(), l.getAddressesList()));
            List<ChangeFacts> changes = region.admin(region.awaitLeader()).listUnshippedChanges(
                    ListUnshippedChangesRequest.newBuilder().setRegion(l.getRegion()).build()).getChangesList().stream()
                    .map(c -> new ChangeFacts(c.getSeq(), c.getSecretId(), c.getName(), millis(c.getChanged()),
                            c.getVersionIdsList().stream().sorted().toList())).toList();
            unshipped.put(l.getRegion(), changes);
        }
        List<SourceFacts> sources = status.getSourcesList().stream().map((SourceRegionStatus s) ->
                new SourceFacts(s.getRegion(), s.getEpoch(), s.getAppliedSeq(), s.getPromoted())).toList();
        return new RegionFacts(status.getJournalHead(), status.getJournalStart(), links, sources, unshipped);
    }

    /** What a RocksDB directory holds through the storage's read interface (only records the v1 fixture has). */
    public static StorageFacts storage(RocksStorage storage) {
        Map<String, String> idsByName = new TreeMap<>();
        Map<String, List<String>> versionsById = new TreeMap<>();
        Map<String, List<String>> valuesById = new TreeMap<>();
        for (SecretRecord s : storage.secretsByName("", "", Integer.MAX_VALUE)) {
            idsByName.put(s.getName(), storage.idByName(s.getName()).orElse(null));
            SecretRecord byId = storage.secretById(s.getId()).orElseThrow();
            versionsById.put(s.getId(), byId.getVersionsList().stream()
                    .map(v -> v.getVersionId() + " " + v.getStagesList().stream().sorted().toList()).sorted().toList());
            valuesById.put(s.getId(), byId.getVersionsList().stream().map(VersionRecord::getVersionId)
                    .filter(v -> storage.value(s.getId(), v).isPresent()).sorted().toList());
        }
        List<JournalFacts> journal = storage.journal(0, Integer.MAX_VALUE).stream().map((JournalRecord j) ->
                new JournalFacts(j.getSeq(), j.getTimestampMillis(), j.getSecretId(), j.getRegionsList(),
                        j.getVersionIdsList(), j.getDetach(), j.getForceOverwrite())).toList();
        List<LinkFacts> links = new ArrayList<>();
        for (LinkRecord listed : storage.links()) {
            LinkRecord l = storage.link(listed.getRegion()).orElseThrow();
            links.add(new LinkFacts(l.getRegion(), l.getEpoch(), l.getWatermark(), l.getAddressesList()));
        }
        List<SourceFacts> sources = new ArrayList<>();
        for (SourceRecord listed : storage.sources()) {
            SourceRecord s = storage.source(listed.getRegion()).orElseThrow();
            sources.add(new SourceFacts(s.getRegion(), s.getEpoch(), s.getAppliedSeq(), s.getPromoted()));
        }
        return new StorageFacts(idsByName, versionsById, valuesById, storage.journalHead(), journal, links, sources);
    }

    private static long millis(com.google.protobuf.Timestamp t) {
        return t.getSeconds() * 1000 + t.getNanos() / 1_000_000;
    }

    // --- the zip ------------------------------------------------------------------------------

    /** Zips {@code dir}'s files (those {@code keep} accepts) and directories, with fixed entry times. */
    public static void zip(Path dir, Path zipFile, Predicate<Path> keep) throws IOException {
        try (OutputStream file = Files.newOutputStream(zipFile); ZipOutputStream zip = new ZipOutputStream(file);
             Stream<Path> paths = Files.walk(dir)) {
            zip.setLevel(9);
            for (Path p : (Iterable<Path>) paths.sorted()::iterator) {
                if (p.equals(dir) || !keep.test(p)) {
                    continue;
                }
                String name = dir.relativize(p).toString().replace('\\', '/') + (Files.isDirectory(p) ? "/" : "");
                ZipEntry entry = new ZipEntry(name);
                entry.setTime(0);
                zip.putNextEntry(entry);
                if (Files.isRegularFile(p)) {
                    Files.copy(p, zip);
                }
                zip.closeEntry();
            }
        }
    }

    /** Unzips the fixture into {@code target}: directories 0700, files 0600, as the node and its key files want them. */
    public static void unzip(Path target) throws IOException {
        Files.createDirectories(target);
        try (InputStream in = resource(ZIP); ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                Path p = target.resolve(e.getName()).normalize();
                if (!p.startsWith(target)) {
                    throw new IOException("zip entry outside the target: " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(p);
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
                } else {
                    Files.createDirectories(p.getParent());
                    Files.copy(zip, p);
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
                }
            }
        }
    }
}
