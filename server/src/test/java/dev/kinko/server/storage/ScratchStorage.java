package dev.kinko.server.storage;

import dev.kinko.proto.raft.v1.ReplicaRecord;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.VersionRecord;
import dev.kinko.server.domain.StateReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A real RocksDB in a temporary directory with one open batch: the state a domain test applies
 * commands to. Nothing is committed; reads go through the batch, as on the apply thread.
 */
public final class ScratchStorage implements AutoCloseable {
    private static final HexFormat HEX = HexFormat.of();
    private final Path dir;
    private final RocksStorage storage;
    private final StorageBatch batch;

    private ScratchStorage(Path dir) throws IOException {
        this.dir = dir;
        this.storage = RocksStorage.open(dir.resolve("db"));
        this.batch = storage.newBatch();
    }

    public static ScratchStorage open() {
        try {
            return new ScratchStorage(Files.createTempDirectory("kinko-scratch"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public StorageBatch state() {
        return batch;
    }

    public List<String> secretIds() {
        List<String> ids = new ArrayList<>();
        batch.scan(RocksStorage.Family.SECRETS, new byte[0], (k, v) -> ids.add(Keys.idString(k, 0)));
        return ids;
    }

    public List<String> names() {
        List<String> names = new ArrayList<>();
        batch.scan(RocksStorage.Family.NAMES, new byte[0], (k, v) -> names.add(Keys.string(k)));
        return names;
    }

    public List<String> requestIds() {
        List<String> ids = new ArrayList<>();
        batch.scan(RocksStorage.Family.REQUESTS, new byte[0], (k, v) -> ids.add(Keys.string(k)));
        return ids;
    }

    public int count(String family) {
        int[] n = {0};
        batch.scan(RocksStorage.Family.valueOf(family), new byte[0], (k, v) -> ++n[0] > 0);
        return n[0];
    }

    /**
     * Rewrites every secret's stored metadata without the summary a new version reads, as
     * metadata written before it existed: a new version then reads the whole secret.
     */
    public void forgetSummaries() {
        for (String id : secretIds()) {
            byte[] key = Keys.id(id);
            SecretRecord header = RecordReader.parse(batch.get(RocksStorage.Family.SECRETS, key), SecretRecord.parser());
            batch.put(RocksStorage.Family.SECRETS, key, SecretKeys.withoutSummary(header).build().toByteArray());
        }
    }

    /**
     * How each secret's stored summary disagrees with its keys: the version count, the labelled
     * versions, the replica regions, and the bound below which every version carries a label.
     * Empty when they all agree.
     */
    public List<String> summaryErrors() {
        return summaryErrors(batch, secretIds());
    }

    /** {@link #summaryErrors()} of the secrets {@code ids} that exist in {@code state}. */
    public static List<String> summaryErrors(StateReader state, Collection<String> ids) {
        List<String> errors = new ArrayList<>();
        for (String id : ids) {
            SecretRecord header = state.header(id).orElse(null);
            if (header == null) {
                continue;
            }
            SecretRecord whole = state.secretById(id).orElseThrow();
            if (header.getVersionCount() != whole.getVersionsCount()) {
                errors.add(id + ": version_count " + header.getVersionCount() + ", versions " + whole.getVersionsCount());
            }
            List<VersionRecord> labelled = whole.getVersionsList().stream().filter(v -> v.getStagesCount() > 0).toList();
            if (!header.getLabelledVersionsList().equals(labelled)) {
                errors.add(id + ": labelled_versions " + header.getLabelledVersionsList() + ", versions " + labelled);
            }
            List<String> regions = whole.getReplicasList().stream().map(ReplicaRecord::getRegion).sorted().toList();
            if (!header.getReplicaRegionsList().equals(regions)) {
                errors.add(id + ": replica_regions " + header.getReplicaRegionsList() + ", replicas " + regions);
            }
            whole.getVersionsList().stream().filter(v -> v.getOrdinal() < header.getPruneFrom() && v.getStagesCount() == 0)
                    .forEach(v -> errors.add(id + ": version " + v.getOrdinal() + " carries no label, below prune_from "
                            + header.getPruneFrom()));
        }
        return errors;
    }

    public int valueCount() {
        return count("VALUES");
    }

    public int deletionCount() {
        return count("DELETIONS");
    }

    /** Every key and value the batch would leave, by column family (as {@link StorageDump}). */
    public SortedMap<String, SortedMap<String, String>> dump() {
        SortedMap<String, SortedMap<String, String>> out = new TreeMap<>();
        for (RocksStorage.Family family : RocksStorage.Family.values()) {
            SortedMap<String, String> entries = new TreeMap<>();
            batch.scan(family, new byte[0], (k, v) -> {
                if (!(family == RocksStorage.Family.META && Arrays.equals(k, Keys.utf8("applied")))) {
                    entries.put(HEX.formatHex(k), HEX.formatHex(v));
                }
                return true;
            });
            out.put(family.cfName, entries);
        }
        return out;
    }

    @Override
    public void close() {
        storage.close();
        try {
            FileTrees.delete(dir);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
