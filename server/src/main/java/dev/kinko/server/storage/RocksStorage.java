package dev.kinko.server.storage;

import dev.kinko.proto.raft.v1.JournalRecord;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.server.domain.StateQueries;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.stream.Stream;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The region's state in RocksDB, one column family per kind of record. Every
 * Raft entry is applied in one {@link WriteBatch} that also records the
 * applied index, so a restart neither re-applies nor skips an entry.
 * Snapshots are RocksDB checkpoints.
 */
public final class RocksStorage extends RecordReader implements StateQueries, AutoCloseable {
    static {
        RocksDB.loadLibrary();
    }

    enum Family {
        META("default"), SECRETS("secrets"), NAMES("names"), VALUES("values"),
        DELETIONS("deletions"), REGION_KEYS("region-keys"), TRANSPORT_KEYS("transport-keys"),
        JOURNAL("journal"), LINKS("links"), SOURCES("sources"), ARCHIVE("archive"),
        REQUESTS("requests"), REQUESTS_BY_TIME("requests-by-time"), POLICIES("policies"), TOKENS("tokens"),
        AUDIT_HEADS("audit-heads");

        final String cfName;

        Family(String cfName) {
            this.cfName = cfName;
        }
    }

    private static final byte[] APPLIED = Keys.utf8("applied");

    /** Term and index of the last Raft entry applied to this state. */
    public record Applied(long term, long index) {
        static final Applied NONE = new Applied(0, -1);
    }

    private final Path dir;
    /** Readers share; replacing the whole database (snapshot install) is exclusive. */
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private Db db;
    private volatile Applied applied;
    /** Orders a checkpoint with commits, so the index it reports is the one it holds. */
    private final Object commitOrder = new Object();

    private RocksStorage(Path dir) throws RocksDBException {
        this.dir = dir;
        this.db = new Db(dir);
        this.applied = readApplied();
    }

    public static RocksStorage open(Path dir) throws IOException {
        recoverSwap(dir);
        Files.createDirectories(dir);
        try {
            return new RocksStorage(dir);
        } catch (RocksDBException e) {
            throw new IOException("cannot open RocksDB at " + dir + ": " + e.getMessage(), e);
        }
    }

    public Applied applied() {
        return applied;
    }

    private Applied readApplied() {
        return read(d -> {
            byte[] v = d.get(Family.META, APPLIED);
            if (v == null) {
                return Applied.NONE;
            }
            ByteBuffer b = ByteBuffer.wrap(v);
            return new Applied(b.getLong(), b.getLong());
        });
    }

    /** A batch for one Raft entry; nothing is visible until {@link #commit}. */
    public StorageBatch newBatch() {
        return new StorageBatch(this);
    }

    /** Writes the batch together with the entry's term and index, atomically. */
    public void commit(StorageBatch batch, long term, long index) {
        WriteBatch wb = batch.writeBatch();
        read(d -> {
            try {
                wb.put(d.handle(Family.META), APPLIED, ByteBuffer.allocate(16).putLong(term).putLong(index).array());
                synchronized (commitOrder) {
                    d.rocks.write(d.writeOptions, wb);
                    applied = new Applied(term, index);
                }
                return null;
            } catch (RocksDBException e) {
                throw new StorageException("RocksDB write failed: " + e.getMessage(), e);
            } finally {
                wb.close();
            }
        });
    }

    /**
     * A consistent copy of the database in {@code target} (which must not exist); returns the
     * Raft entry it holds everything up to.
     */
    public Applied checkpoint(Path target) {
        return read(d -> {
            try (Checkpoint cp = Checkpoint.create(d.rocks)) {
                synchronized (commitOrder) {
                    cp.createCheckpoint(target.toString());
                    return applied;
                }
            } catch (RocksDBException e) {
                throw new StorageException("checkpoint to " + target + " failed: " + e.getMessage(), e);
            }
        });
    }

    /**
     * Replaces the whole state with a checkpoint (a snapshot installed from the leader, or a
     * restore at start). The copy is built and fsynced beside the live directory, then swapped
     * in by renames, so a crash at any point leaves one complete database ({@link #open}
     * finishes or undoes an interrupted swap).
     */
    public void replaceWith(Path checkpoint) throws IOException {
        Path staging = sibling(dir, ".new");
        Path old = sibling(dir, ".old");
        FileTrees.delete(staging);
        Files.createDirectories(staging);
        try (Stream<Path> files = Files.list(checkpoint)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (name.endsWith(".md5")) {
                    continue; // Ratis' transfer checksums, not RocksDB's
                }
                if (name.endsWith(".sst")) {
                    Files.createLink(staging.resolve(name), f); // immutable: share it
                } else {
                    Files.copy(f, staging.resolve(name));
                }
                FileTrees.fsync(staging.resolve(name));
            }
        }
        FileTrees.fsync(staging);
        lock.writeLock().lock();
        try {
            closeDb();
            FileTrees.delete(old);
            Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
            Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
            FileTrees.fsync(dir.toAbsolutePath().getParent());
            db = new Db(dir);
            applied = readApplied();
            FileTrees.delete(old);
        } catch (RocksDBException e) {
            throw new IOException("cannot reopen RocksDB at " + dir + ": " + e.getMessage(), e);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Finishes (or undoes) a swap that a crash interrupted, so {@code dir} holds one whole database. */
    private static void recoverSwap(Path dir) throws IOException {
        Path staging = sibling(dir, ".new");
        Path old = sibling(dir, ".old");
        if (!Files.exists(dir)) {
            if (Files.exists(staging)) {
                Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE); // fsynced before the first rename
            } else if (Files.exists(old)) {
                Files.move(old, dir, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        FileTrees.delete(staging);
        FileTrees.delete(old);
    }

    private static Path sibling(Path dir, String suffix) {
        return dir.resolveSibling(dir.getFileName() + suffix);
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            closeDb();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void closeDb() {
        if (db != null) {
            db.close();
            db = null;
        }
    }

    // --- StateQueries -------------------------------------------------------------------

    @Override
    List<byte[]> values(Family family) {
        List<byte[]> out = new ArrayList<>();
        scan(family, new byte[0], (k, v) -> out.add(v));
        return out;
    }

    @Override
    public List<JournalRecord> journal(long fromSeq, int limit) {
        List<JournalRecord> out = new ArrayList<>();
        scan(Family.JOURNAL, Keys.seq(fromSeq), (k, v) -> {
            out.add(parse(v, JournalRecord.parser()));
            return out.size() < limit;
        });
        return out;
    }

    @Override
    public long journalStart() {
        long[] first = {journalHead() + 1};
        scan(Family.JOURNAL, new byte[0], (k, v) -> {
            first[0] = Keys.seqOf(k);
            return false;
        });
        return first[0];
    }

    @Override
    public List<SecretRecord> secretsByName(String prefix, String afterName, int limit) {
        List<SecretRecord> out = new ArrayList<>();
        byte[] start = Keys.utf8(afterName.compareTo(prefix) > 0 ? afterName : prefix);
        byte[] after = Keys.utf8(afterName);
        scan(Family.NAMES, start, (k, v) -> {
            String name = Keys.string(k);
            if (!name.startsWith(prefix) || out.size() >= limit) {
                return false;
            }
            if (!Arrays.equals(k, after)) {
                secretById(Keys.string(v)).ifPresent(out::add);
            }
            return true;
        });
        return out;
    }

    @Override
    public List<String> deletionsDue(long millis, int limit) {
        List<String> out = new ArrayList<>();
        scan(Family.DELETIONS, new byte[0], (k, v) -> {
            if (Keys.timedMillis(k) > millis || out.size() >= limit) {
                return false;
            }
            out.add(Keys.timedId(k));
            return true;
        });
        return out;
    }

    @Override
    public List<ValueRef> valuesWrappedBefore(int version, ValueRef after, int limit) {
        List<ValueRef> out = new ArrayList<>();
        // the smallest key above `after`: its key with a 0 byte appended
        byte[] from = after == null ? new byte[0] : Arrays.copyOf(Keys.value(after.secretId(), after.versionId()),
                Keys.value(after.secretId(), after.versionId()).length + 1);
        scan(Family.VALUES, from, (k, v) -> {
            if (out.size() >= limit) {
                return false;
            }
            if (parse(v, SealedValue.parser()).getKeyVersion() < version) {
                String[] ids = Keys.splitValue(k);
                out.add(new ValueRef(ids[0], ids[1]));
            }
            return true;
        });
        return out;
    }

    // --- internals ----------------------------------------------------------------------

    @Override
    byte[] get(Family family, byte[] key) {
        return read(d -> d.get(family, key));
    }

    interface Visitor {
        /** Returns false to stop. */
        boolean visit(byte[] key, byte[] value);
    }

    @Override
    void scan(Family family, byte[] from, Visitor visitor) {
        read(d -> {
            try (RocksIterator it = d.rocks.newIterator(d.handle(family))) {
                for (it.seek(from); it.isValid(); it.next()) {
                    if (!visitor.visit(it.key(), it.value())) {
                        break;
                    }
                }
            }
            return null;
        });
    }

    ColumnFamilyHandle handle(Family family) {
        return read(d -> d.handle(family));
    }

    private <T> T read(Function<Db, T> f) {
        // reentrant: readApplied runs inside replaceWith's write lock
        lock.readLock().lock();
        try {
            if (db == null) {
                // a closed RocksDB handle would crash the JVM: refuse instead
                throw new StorageException("the storage is closed", null);
            }
            return f.apply(db);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** One open database with its column family handles. */
    private static final class Db {
        final DBOptions options;
        final ColumnFamilyOptions cfOptions;
        final WriteOptions writeOptions;
        final RocksDB rocks;
        final List<ColumnFamilyHandle> handles = new ArrayList<>();

        Db(Path dir) throws RocksDBException {
            options = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
                    .setMaxBackgroundJobs(2).setKeepLogFileNum(3);
            cfOptions = new ColumnFamilyOptions().setWriteBufferSize(8L << 20);
            // No fsync: the Raft log is durable and the applied index travels in each batch,
            // so entries lost from RocksDB's WAL on a crash are applied again from the log.
            writeOptions = new WriteOptions();
            List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
            for (Family f : Family.values()) {
                descriptors.add(new ColumnFamilyDescriptor(Keys.utf8(f.cfName), cfOptions));
            }
            rocks = RocksDB.open(options, dir.toString(), descriptors, handles);
        }

        ColumnFamilyHandle handle(Family family) {
            return handles.get(family.ordinal());
        }

        byte[] get(Family family, byte[] key) {
            try {
                return rocks.get(handle(family), key);
            } catch (RocksDBException e) {
                throw new StorageException("RocksDB read failed: " + e.getMessage(), e);
            }
        }

        void close() {
            handles.forEach(ColumnFamilyHandle::close);
            rocks.close();
            writeOptions.close();
            cfOptions.close();
            options.close();
        }
    }
}
