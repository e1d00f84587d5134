package dev.kinko.server.storage;

import dev.kinko.proto.raft.v1.RegionKeyRecord;
import dev.kinko.proto.raft.v1.TokenRecord;
import dev.kinko.server.domain.StateViews;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.stream.Stream;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBufferManager;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The region's state in RocksDB, one column family per kind of record (layout v2, see
 * {@link Keys}). Every Raft entry is applied in one {@link WriteBatch} that also records the
 * applied index, so a restart neither re-applies nor skips an entry. Snapshots are RocksDB
 * checkpoints. A database of an older layout is migrated when it is opened.
 */
public final class RocksStorage extends RecordReader implements StateViews, AutoCloseable {
    static {
        RocksDB.loadLibrary();
    }

    enum Family {
        META("default"),
        /** secret id -> the secret's metadata (no versions, no replicas). */
        SECRETS("secret-meta"),
        /** name -> secret id. */
        NAMES("secret-names"),
        /** (secret id, ordinal) -> a version's id and time. */
        VERSIONS("versions"),
        /** (secret id, version id) -> ordinal. */
        VERSION_IDS("version-ids"),
        /** (secret id, label) -> the ordinal of the version that carries it: one holder per label. */
        LABELS("labels"),
        /** (secret id, ordinal) -> the sealed value. */
        VALUES("sealed-values"),
        /** (secret id, region) -> the replica's state, in the primary region. */
        REPLICAS("replicas"),
        /** (region, secret id): the secrets replicated to a region. */
        REPLICAS_BY_REGION("replicas-by-region"),
        /** (primary region, secret id): the secrets each region owns, replicas by their source. */
        BY_PRIMARY("secrets-by-primary"),
        /** (deletion date, secret id): purges due. */
        DELETIONS("deletion-dates"),
        /** (primary region, time, secret id): rotations to start and rotation steps to try. */
        ROTATIONS("rotations-due"),
        REGION_KEYS("region-keys"), TRANSPORT_KEYS("transport-keys"),
        JOURNAL("journal"), LINKS("links"), SOURCES("sources"), ARCHIVE("archive"),
        REQUESTS("requests"), REQUESTS_BY_TIME("requests-by-time"), POLICIES("policies"), TOKENS("tokens"),
        AUDIT_HEADS("audit-heads");

        final String cfName;

        Family(String cfName) {
            this.cfName = cfName;
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(RocksStorage.class);
    private static final byte[] APPLIED = Keys.utf8("applied");

    /** A column family's write buffer (memtable): flushed to a table file when it is full. */
    static final long WRITE_BUFFER_BYTES = 8L << 20;
    /**
     * The write buffers of all column families together (22 of them could otherwise hold 2 x 8 MiB
     * each): past it RocksDB flushes the largest. Charged to the block cache.
     */
    static final long MEMTABLE_BUDGET_BYTES = 32L << 20;
    /** RocksDB's memory for cached table blocks and the write buffers together. */
    static final long CACHE_BYTES = 64L << 20;
    /**
     * RocksDB's own write-ahead log, which only the rare writes that are no Raft entry use (a
     * layout migration): applied entries go without it (see {@link Db}). Past this size RocksDB
     * flushes, so it stays bounded on disk.
     */
    static final long MAX_WAL_BYTES = 64L << 20;

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
    /**
     * The region keys as last read, and the generation they were read at. Every seal and every
     * shipped value asks for the newest key, and they change only by a key rotation or a new
     * database, so they are read again only after one of those (a scan and a parse each time before).
     */
    private volatile CachedKeys regionKeys;
    /** Raised after each commit that wrote a region key and after each database replacement. */
    private volatile long regionKeysGeneration;

    private record CachedKeys(long generation, List<RegionKeyRecord> keys) {}

    /** Tokens kept in memory at most; past this, tokens are read from RocksDB on each call. */
    static final int MAX_CACHED_TOKENS = 10_000;
    /**
     * Tokens as read, by accessor, for one generation: every call authenticates by its token, and
     * tokens change only by a commit that puts or removes one (or a new database). Expiry is the
     * caller's check on each use, so a cached token expires on time.
     */
    private volatile CachedTokens tokens = new CachedTokens(0, new ConcurrentHashMap<>());
    /** Raised after each commit that wrote a token and after each database replacement. */
    private volatile long tokensGeneration;

    private record CachedTokens(long generation, ConcurrentHashMap<String, TokenRecord> byAccessor) {}

    private RocksStorage(Path dir) throws RocksDBException {
        this.dir = dir;
        this.db = new Db(dir);
        LayoutMigration.run(this);
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

    /** Bytes in the write buffers of all column families: within {@link #MEMTABLE_BUDGET_BYTES} once flushes catch up. */
    long memtableBytes() {
        return read(Db::memtableBytes);
    }

    /** A batch for one Raft entry; nothing is visible until {@link #commit}. */
    public StorageBatch newBatch() {
        return new StorageBatch(this);
    }

    /**
     * Writes the batch together with the entry's term and index, atomically, without RocksDB's
     * WAL: a crash loses what is not flushed yet, and the Raft log applies it again.
     */
    public void commit(StorageBatch batch, long term, long index) {
        commit(batch, term, index, false);
    }

    /**
     * As {@link #commit}, through RocksDB's WAL, synced: for a state that no Raft log would bring
     * back (a restored backup's, whose index the log does not hold).
     */
    public void commitDurably(StorageBatch batch, long term, long index) {
        commit(batch, term, index, true);
    }

    private void commit(StorageBatch batch, long term, long index, boolean durable) {
        WriteBatch wb = batch.writeBatch();
        read(d -> {
            try {
                wb.put(d.handle(Family.META), APPLIED, ByteBuffer.allocate(16).putLong(term).putLong(index).array());
                synchronized (commitOrder) {
                    d.rocks.write(durable ? d.durableWriteOptions : d.writeOptions, wb);
                    applied = new Applied(term, index);
                    if (batch.wroteRegionKeys()) {
                        regionKeysGeneration++; // after the write: a reader then either sees it or reads again
                    }
                    if (batch.wroteTokens()) {
                        tokensGeneration++;
                    }
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
     * Writes a batch that is no Raft entry (a layout migration): the applied index stays. No log
     * would apply it again, so it goes through RocksDB's WAL, synced.
     */
    void write(StorageBatch batch) {
        WriteBatch wb = batch.writeBatch();
        read(d -> {
            try {
                d.rocks.write(d.durableWriteOptions, wb);
                if (batch.wroteRegionKeys()) {
                    regionKeysGeneration++;
                }
                if (batch.wroteTokens()) {
                    tokensGeneration++;
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
            LayoutMigration.run(this); // a snapshot or backup of an older layout
            applied = readApplied();
            regionKeysGeneration++;
            tokensGeneration++;
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

    // --- reads -------------------------------------------------------------------------

    @Override
    public List<RegionKeyRecord> regionKeys() {
        long generation = regionKeysGeneration;
        CachedKeys cached = regionKeys;
        if (cached != null && cached.generation() == generation) {
            return cached.keys();
        }
        // read after the generation: a commit in between leaves this copy a generation behind
        List<RegionKeyRecord> keys = List.copyOf(super.regionKeys());
        regionKeys = new CachedKeys(generation, keys);
        return keys;
    }

    @Override
    public Optional<TokenRecord> token(String accessor) {
        long generation = tokensGeneration;
        CachedTokens cached = tokens;
        if (cached.generation() != generation) {
            cached = new CachedTokens(generation, new ConcurrentHashMap<>());
            tokens = cached;
        }
        TokenRecord known = cached.byAccessor().get(accessor);
        if (known != null) {
            return Optional.of(known);
        }
        // read after the generation: a commit in between leaves this copy in a map a generation behind
        Optional<TokenRecord> read = super.token(accessor);
        if (read.isPresent() && cached.byAccessor().size() < MAX_CACHED_TOKENS) {
            cached.byAccessor().put(accessor, read.get());
        }
        return read;
    }

    /**
     * A point-in-time view (a RocksDB snapshot). It holds the storage's read lock until closed,
     * so a snapshot installation waits for the requests that read the database it replaces.
     */
    @Override
    public StateViews.View view() {
        lock.readLock().lock();
        try {
            if (db == null) {
                throw new StorageException("the storage is closed", null);
            }
            return new SnapshotView(db);
        } catch (RuntimeException e) {
            lock.readLock().unlock();
            throw e;
        }
    }

    private final class SnapshotView extends RecordReader implements StateViews.View {
        private final Db at;
        private final Snapshot snapshot;
        private final ReadOptions options;
        private boolean closed;

        SnapshotView(Db at) {
            this.at = at;
            this.snapshot = at.rocks.getSnapshot();
            this.options = new ReadOptions().setSnapshot(snapshot);
        }

        @Override
        byte[] get(Family family, byte[] key) {
            try {
                return at.rocks.get(at.handle(family), options, key);
            } catch (RocksDBException e) {
                throw new StorageException("RocksDB read failed: " + e.getMessage(), e);
            }
        }

        @Override
        void scan(Family family, byte[] from, Visitor visitor) {
            at.scan(family, options, from, visitor);
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                options.close();
                at.rocks.releaseSnapshot(snapshot);
                lock.readLock().unlock();
            }
        }
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
            d.scan(family, d.readOptions, from, visitor);
            return null;
        });
    }

    ColumnFamilyHandle handle(Family family) {
        return read(d -> d.handle(family));
    }

    <T> T read(Function<Db, T> f) {
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
    static final class Db {
        final Cache cache = new LRUCache(CACHE_BYTES);
        final WriteBufferManager writeBuffers = new WriteBufferManager(MEMTABLE_BUDGET_BYTES, cache);
        final DBOptions options;
        final ColumnFamilyOptions cfOptions;
        final WriteOptions writeOptions;
        final WriteOptions durableWriteOptions = new WriteOptions().setSync(true);
        final ReadOptions readOptions = new ReadOptions();
        final RocksDB rocks;
        final List<ColumnFamilyHandle> handles = new ArrayList<>();
        /** Column families of an older layout, open until the migration drops them. */
        final java.util.Map<String, ColumnFamilyHandle> legacy = new java.util.HashMap<>();

        Db(Path dir) throws RocksDBException {
            options = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
                    .setMaxBackgroundJobs(2).setKeepLogFileNum(3)
                    .setWriteBufferManager(writeBuffers).setMaxTotalWalSize(MAX_WAL_BYTES)
                    // every flush writes all column families together, so the table files on disk
                    // always hold one applied index's state, whatever a crash takes from memory
                    .setAtomicFlush(true);
            cfOptions = new ColumnFamilyOptions().setWriteBufferSize(WRITE_BUFFER_BYTES)
                    .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(cache));
            // No WAL for applied entries: the Raft log is durable and the applied index travels in
            // each batch, so after a crash RocksDB opens at its last flush (atomic, above) and Ratis
            // applies the rest again from its log, which it keeps from the last snapshot on; a
            // snapshot is a checkpoint, which flushes first, so the log always reaches back to
            // the flushed state. Saves a write(2) and the WAL's bytes per entry on every member.
            writeOptions = new WriteOptions().setDisableWAL(true);
            List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
            java.util.Set<String> known = new java.util.HashSet<>();
            for (Family f : Family.values()) {
                descriptors.add(new ColumnFamilyDescriptor(Keys.utf8(f.cfName), cfOptions));
                known.add(f.cfName);
            }
            List<String> extra = new ArrayList<>();
            try (org.rocksdb.Options listing = new org.rocksdb.Options()) {
                for (byte[] name : RocksDB.listColumnFamilies(listing, dir.toString())) {
                    if (known.add(Keys.string(name))) {
                        extra.add(Keys.string(name));
                        descriptors.add(new ColumnFamilyDescriptor(name, cfOptions));
                    }
                }
            }
            try {
                rocks = RocksDB.open(options, dir.toString(), descriptors, handles);
            } catch (RocksDBException | RuntimeException e) {
                readOptions.close();
                closeOptions(); // native objects: nothing else would free them
                throw e;
            }
            for (int i = 0; i < extra.size(); i++) {
                legacy.put(extra.get(i), handles.get(Family.values().length + i));
            }
        }

        ColumnFamilyHandle handle(Family family) {
            return handles.get(family.ordinal());
        }

        void scan(Family family, ReadOptions options, byte[] from, Visitor visitor) {
            scan(handle(family), options, from, visitor);
        }

        void scan(ColumnFamilyHandle family, ReadOptions options, byte[] from, Visitor visitor) {
            try (RocksIterator it = rocks.newIterator(family, options)) {
                for (it.seek(from); it.isValid(); it.next()) {
                    if (!visitor.visit(it.key(), it.value())) {
                        break;
                    }
                }
            }
        }

        void dropLegacy(String name) throws RocksDBException {
            ColumnFamilyHandle h = legacy.remove(name);
            if (h != null) {
                rocks.dropColumnFamily(h);
                handles.remove(h);
                h.close();
            }
        }

        byte[] get(Family family, byte[] key) {
            try {
                return rocks.get(handle(family), key);
            } catch (RocksDBException e) {
                throw new StorageException("RocksDB read failed: " + e.getMessage(), e);
            }
        }

        void close() {
            // what the memtables hold is in no WAL: flush it, so a clean stop replays nothing
            try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
                rocks.flush(flush, handles);
            } catch (RocksDBException e) {
                LOG.warn("RocksDB flush before close failed ({}); the Raft log applies those entries again", e.getMessage());
            }
            handles.forEach(ColumnFamilyHandle::close);
            readOptions.close();
            rocks.close();
            closeOptions();
        }

        private void closeOptions() {
            writeOptions.close();
            durableWriteOptions.close();
            cfOptions.close();
            options.close();
            writeBuffers.close();
            cache.close();
        }

        /** Bytes in all column families' write buffers (active and waiting to be flushed). */
        long memtableBytes() {
            long total = 0;
            try {
                for (ColumnFamilyHandle h : handles) {
                    total += rocks.getLongProperty(h, "rocksdb.cur-size-all-mem-tables");
                }
            } catch (RocksDBException e) {
                throw new StorageException("RocksDB property read failed: " + e.getMessage(), e);
            }
            return total;
        }
    }
}
