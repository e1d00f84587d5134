package dev.kinko.server.domain;

import dev.kinko.proto.raft.v1.AppliedRequest;
import dev.kinko.proto.raft.v1.AuditHeadRecord;
import dev.kinko.proto.raft.v1.PolicyRecord;
import dev.kinko.proto.raft.v1.TokenRecord;
import dev.kinko.proto.raft.v1.JournalRecord;
import dev.kinko.proto.raft.v1.LinkRecord;
import dev.kinko.proto.raft.v1.RegionKeyRecord;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.SourceRecord;
import dev.kinko.proto.raft.v1.TransportKeyRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/** A test double of the storage interface: plain maps, the same indexing contract as {@link StateWriter}. */
final class InMemoryState implements StateWriter {
    final Map<String, SecretRecord> secrets = new HashMap<>();
    final Map<String, String> names = new HashMap<>();
    /** "secretId\0versionId" -> value. */
    final Map<String, SealedValue> values = new HashMap<>();
    /** "date\0secretId" entries of scheduled deletions. */
    final Map<String, String> deletions = new HashMap<>();
    final TreeMap<Integer, RegionKeyRecord> regionKeys = new TreeMap<>();
    final TreeMap<Integer, TransportKeyRecord> transportKeys = new TreeMap<>();
    final TreeMap<String, PolicyRecord> policies = new TreeMap<>();
    final TreeMap<String, TokenRecord> tokens = new TreeMap<>();
    final TreeMap<String, AuditHeadRecord> auditHeads = new TreeMap<>();

    @Override
    public Optional<PolicyRecord> policy(String name) {
        return Optional.ofNullable(policies.get(name));
    }

    @Override
    public List<PolicyRecord> policies() {
        return new ArrayList<>(policies.values());
    }

    @Override
    public Optional<TokenRecord> token(String accessor) {
        return Optional.ofNullable(tokens.get(accessor));
    }

    @Override
    public List<TokenRecord> tokens() {
        return new ArrayList<>(tokens.values());
    }

    long accessVersion;

    @Override
    public long accessVersion() {
        return accessVersion;
    }

    @Override
    public void setAccessVersion(long version) {
        accessVersion = version;
    }

    @Override
    public List<AuditHeadRecord> auditHeads() {
        return new ArrayList<>(auditHeads.values());
    }

    @Override
    public void putPolicy(PolicyRecord policy) {
        policies.put(policy.getName(), policy);
    }

    @Override
    public void removePolicy(String name) {
        policies.remove(name);
    }

    @Override
    public void putToken(TokenRecord token) {
        tokens.put(token.getAccessor(), token);
    }

    @Override
    public void removeToken(String accessor) {
        tokens.remove(accessor);
    }

    @Override
    public void putAuditHead(AuditHeadRecord head) {
        auditHeads.put(head.getNodeId(), head);
    }
    final TreeMap<Long, JournalRecord> journal = new TreeMap<>();
    long journalHead;
    final TreeMap<String, LinkRecord> links = new TreeMap<>();
    final TreeMap<String, SourceRecord> sources = new TreeMap<>();
    final List<SecretRecord> archive = new ArrayList<>();
    final TreeMap<String, AppliedRequest> requests = new TreeMap<>();

    private static String valueKey(String secretId, String versionId) {
        return secretId + "\0" + versionId;
    }

    private static String deletionKey(SecretRecord record) {
        return record.getDeletionDateMillis() + "\0" + record.getId();
    }

    @Override
    public Optional<SecretRecord> secretById(String id) {
        return Optional.ofNullable(secrets.get(id));
    }

    @Override
    public Optional<String> idByName(String name) {
        return Optional.ofNullable(names.get(name));
    }

    @Override
    public Optional<SealedValue> value(String secretId, String versionId) {
        return Optional.ofNullable(values.get(valueKey(secretId, versionId)));
    }

    @Override
    public List<RegionKeyRecord> regionKeys() {
        return new ArrayList<>(regionKeys.values());
    }

    @Override
    public void putSecret(SecretRecord previous, SecretRecord record) {
        if (previous != null && previous.getDeletionDateMillis() != 0) {
            deletions.remove(deletionKey(previous));
        }
        secrets.put(record.getId(), record);
        names.put(record.getName(), record.getId());
        if (record.getDeletionDateMillis() != 0) {
            deletions.put(deletionKey(record), record.getId());
        }
    }

    @Override
    public void removeSecret(SecretRecord record) {
        if (record.getDeletionDateMillis() != 0) {
            deletions.remove(deletionKey(record));
        }
        secrets.remove(record.getId());
        names.remove(record.getName());
        values.keySet().removeIf(k -> k.startsWith(record.getId() + "\0"));
    }

    @Override
    public void putValue(String secretId, String versionId, SealedValue value) {
        values.put(valueKey(secretId, versionId), Objects.requireNonNull(value));
    }

    @Override
    public void removeValue(String secretId, String versionId) {
        values.remove(valueKey(secretId, versionId));
    }

    @Override
    public void putRegionKey(RegionKeyRecord key) {
        regionKeys.put(key.getVersion(), key);
    }

    @Override
    public List<TransportKeyRecord> transportKeys() {
        return new ArrayList<>(transportKeys.values());
    }

    @Override
    public List<SecretRecord> allSecrets() {
        return new ArrayList<>(new TreeMap<>(secrets).values());
    }

    @Override
    public long journalHead() {
        return journalHead;
    }

    @Override
    public Optional<LinkRecord> link(String region) {
        return Optional.ofNullable(links.get(region));
    }

    @Override
    public List<LinkRecord> links() {
        return new ArrayList<>(links.values());
    }

    @Override
    public Optional<SourceRecord> source(String region) {
        return Optional.ofNullable(sources.get(region));
    }

    @Override
    public List<SourceRecord> sources() {
        return new ArrayList<>(sources.values());
    }

    @Override
    public void putTransportKey(TransportKeyRecord key) {
        transportKeys.put(key.getVersion(), key);
    }

    @Override
    public void appendJournal(JournalRecord record) {
        journal.put(record.getSeq(), record);
        journalHead = record.getSeq();
    }

    @Override
    public void truncateJournal(long upTo) {
        journal.headMap(upTo, true).clear();
    }

    @Override
    public void putLink(LinkRecord link) {
        links.put(link.getRegion(), link);
    }

    @Override
    public void removeLink(String region) {
        links.remove(region);
    }

    @Override
    public void putSource(SourceRecord source) {
        sources.put(source.getRegion(), source);
    }

    @Override
    public void archiveSecret(SecretRecord record, long nowMillis) {
        archive.add(record);
        removeSecret(record);
    }

    /** Everything stored, for comparing two states. */
    @Override
    public Optional<AppliedRequest> appliedRequest(String requestId) {
        return Optional.ofNullable(requests.get(requestId));
    }

    @Override
    public List<String> requestsAppliedBefore(long millis, int limit) {
        return requests.entrySet().stream().filter(e -> e.getValue().getAppliedMillis() < millis)
                .sorted(java.util.Comparator.comparingLong(e -> e.getValue().getAppliedMillis()))
                .limit(limit).map(Map.Entry::getKey).toList();
    }

    @Override
    public void putAppliedRequest(String requestId, AppliedRequest request) {
        requests.put(requestId, request);
    }

    @Override
    public void removeAppliedRequest(String requestId) {
        requests.remove(requestId);
    }

    Map<String, Object> snapshot() {
        Map<String, Object> all = new TreeMap<>();
        all.put("secrets", new TreeMap<>(secrets));
        all.put("names", new TreeMap<>(names));
        all.put("values", new TreeMap<>(values));
        all.put("deletions", new TreeMap<>(deletions));
        all.put("regionKeys", new TreeMap<>(regionKeys));
        all.put("journal", new TreeMap<>(journal));
        all.put("links", new TreeMap<>(links));
        all.put("sources", new TreeMap<>(sources));
        all.put("requests", new TreeMap<>(requests));
        return all;
    }
}
