package dev.kinko.server.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.kinko.proto.raft.v1.AppliedRequest;
import dev.kinko.proto.raft.v1.AuditHeadRecord;
import dev.kinko.proto.raft.v1.PolicyRecord;
import dev.kinko.proto.raft.v1.TokenRecord;
import dev.kinko.proto.raft.v1.LinkRecord;
import dev.kinko.proto.raft.v1.RegionKeyRecord;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.SourceRecord;
import dev.kinko.proto.raft.v1.TransportKeyRecord;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.storage.RocksStorage.Family;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;

/** {@link StateReader} decoded from whatever {@link #get} and {@link #values} read. */
abstract class RecordReader implements StateReader {
    static final byte[] JOURNAL_HEAD = Keys.utf8("journal-head");

    abstract byte[] get(Family family, byte[] key);

    /** Every value of a family in key order. */
    abstract List<byte[]> values(Family family);

    /** Walks the committed keys of a family from {@code from}, in order, until the visitor says stop. */
    abstract void scan(Family family, byte[] from, RocksStorage.Visitor visitor);

    @Override
    public Optional<AppliedRequest> appliedRequest(String requestId) {
        return record(Family.REQUESTS, Keys.utf8(requestId), AppliedRequest.parser());
    }

    @Override
    public List<String> requestsAppliedBefore(long millis, int limit) {
        List<String> out = new java.util.ArrayList<>();
        scan(Family.REQUESTS_BY_TIME, new byte[0], (k, v) -> {
            if (Keys.timedMillis(k) >= millis || out.size() >= limit) {
                return false;
            }
            out.add(Keys.timedId(k));
            return true;
        });
        return out;
    }

    @Override
    public Optional<SecretRecord> secretById(String id) {
        return record(Family.SECRETS, Keys.utf8(id), SecretRecord.parser());
    }

    @Override
    public Optional<String> idByName(String name) {
        return Optional.ofNullable(get(Family.NAMES, Keys.utf8(name))).map(Keys::string);
    }

    @Override
    public Optional<SealedValue> value(String secretId, String versionId) {
        return record(Family.VALUES, Keys.value(secretId, versionId), SealedValue.parser());
    }

    @Override
    public List<RegionKeyRecord> regionKeys() {
        return all(Family.REGION_KEYS, RegionKeyRecord.parser());
    }

    @Override
    public List<TransportKeyRecord> transportKeys() {
        return all(Family.TRANSPORT_KEYS, TransportKeyRecord.parser());
    }

    @Override
    public List<SecretRecord> allSecrets() {
        return all(Family.SECRETS, SecretRecord.parser());
    }

    @Override
    public long journalHead() {
        byte[] v = get(Family.META, JOURNAL_HEAD);
        return v == null ? 0 : ByteBuffer.wrap(v).getLong();
    }

    @Override
    public Optional<LinkRecord> link(String region) {
        return record(Family.LINKS, Keys.utf8(region), LinkRecord.parser());
    }

    @Override
    public List<LinkRecord> links() {
        return all(Family.LINKS, LinkRecord.parser());
    }

    @Override
    public Optional<SourceRecord> source(String region) {
        return record(Family.SOURCES, Keys.utf8(region), SourceRecord.parser());
    }

    @Override
    public List<SourceRecord> sources() {
        return all(Family.SOURCES, SourceRecord.parser());
    }

    @Override
    public Optional<PolicyRecord> policy(String name) {
        return record(Family.POLICIES, Keys.utf8(name), PolicyRecord.parser());
    }

    @Override
    public List<PolicyRecord> policies() {
        return all(Family.POLICIES, PolicyRecord.parser());
    }

    @Override
    public Optional<TokenRecord> token(String accessor) {
        return record(Family.TOKENS, Keys.utf8(accessor), TokenRecord.parser());
    }

    @Override
    public List<TokenRecord> tokens() {
        return all(Family.TOKENS, TokenRecord.parser());
    }

    static final byte[] ACCESS_VERSION = Keys.utf8("access-version");

    @Override
    public long accessVersion() {
        byte[] v = get(Family.META, ACCESS_VERSION);
        return v == null ? 0 : ByteBuffer.wrap(v).getLong();
    }

    @Override
    public List<AuditHeadRecord> auditHeads() {
        return all(Family.AUDIT_HEADS, AuditHeadRecord.parser());
    }

    <T extends MessageLite> Optional<T> record(Family family, byte[] key, Parser<T> parser) {
        return Optional.ofNullable(get(family, key)).map(b -> parse(b, parser));
    }

    <T extends MessageLite> List<T> all(Family family, Parser<T> parser) {
        return values(family).stream().map(b -> parse(b, parser)).toList();
    }

    static <T extends MessageLite> T parse(byte[] bytes, Parser<T> parser) {
        try {
            return parser.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new StorageException("damaged record", e);
        }
    }
}
