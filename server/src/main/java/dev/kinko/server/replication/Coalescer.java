package dev.kinko.server.replication;

import dev.kinko.proto.raft.v1.JournalRecord;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Folds a batch's journal records of one secret into one: the last record's
 * metadata (layout v2: the secret as it is when shipped) with the values of every
 * version it still lists. The replica
 * applies a batch in one Raft entry, so the states in between are never
 * visible there anyway; a hot secret then costs one change per batch, not
 * one per write.
 */
final class Coalescer {
    private Coalescer() {}

    static List<JournalRecord> coalesce(List<JournalRecord> records) {
        Set<String> detached = new HashSet<>();
        records.stream().filter(JournalRecord::getDetach).forEach(r -> detached.add(r.getSecretId()));
        Map<String, JournalRecord.Builder> merged = new LinkedHashMap<>();
        Map<String, Set<String>> versions = new LinkedHashMap<>();
        List<JournalRecord> out = new ArrayList<>();
        for (JournalRecord r : records) {
            if (detached.contains(r.getSecretId())) {
                out.add(r); // order against the detach matters: leave this secret's records as they are
                continue;
            }
            JournalRecord.Builder m = merged.get(r.getSecretId());
            if (m == null) {
                merged.put(r.getSecretId(), r.toBuilder());
                versions.put(r.getSecretId(), new LinkedHashSet<>(r.getVersionIdsList()));
                continue;
            }
            boolean force = m.getForceOverwrite() || r.getForceOverwrite();
            versions.get(r.getSecretId()).addAll(r.getVersionIdsList());
            // values added since the earliest of them travel: the smallest ordinal bound covers them all
            m.setSeq(r.getSeq()).setTimestampMillis(r.getTimestampMillis()).setForceOverwrite(force)
                    .setNextOrdinal(Math.min(m.getNextOrdinal(), r.getNextOrdinal()));
            if (r.hasSecret()) {
                m.setSecret(r.getSecret()); // layout v1: the record carries the secret
            } else {
                m.clearSecret(); // layout v2: the secret is read as it is when shipped
            }
        }
        merged.forEach((id, m) -> {
            if (m.hasSecret()) {
                Set<String> listed = new HashSet<>();
                m.getSecret().getVersionsList().forEach(v -> listed.add(v.getVersionId()));
                m.clearVersionIds().addAllVersionIds(versions.get(id).stream().filter(listed::contains).toList());
            } else {
                m.clearVersionIds().addAllVersionIds(versions.get(id));
            }
            out.add(m.build());
        });
        out.sort((a, b) -> Long.compare(a.getSeq(), b.getSeq()));
        return out;
    }
}
