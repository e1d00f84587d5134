package dev.kinko.server.domain.command.secret;

import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.VersionRecord;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.domain.Stages;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The stage-label rules of a secret's versions: one version per label, the
 * version that loses CURRENT gets PREVIOUS, unlabelled versions are
 * deprecated and the oldest of them go once a secret holds more than
 * {@link Limits#MAX_VERSIONS}.
 */
final class VersionLabels {
    private final List<VersionRecord.Builder> versions = new ArrayList<>();
    /** Versions left as they were are written back as the original messages: no re-encoding. */
    private final Map<VersionRecord.Builder, VersionRecord> unchanged = new IdentityHashMap<>();
    /** Versions the secret holds: more than {@link #versions} when the record is partial (it says how many). */
    private long count;

    VersionLabels(SecretRecord record) {
        count = record.hasVersionCount() ? record.getVersionCount() : record.getVersionsCount();
        record.getVersionsList().forEach(v -> {
            VersionRecord.Builder b = v.toBuilder();
            versions.add(b);
            unchanged.put(b, v);
        });
    }

    Optional<VersionRecord.Builder> find(String versionId) {
        return versions.stream().filter(v -> v.getVersionId().equals(versionId)).findFirst();
    }

    Optional<VersionRecord.Builder> holderOf(String label) {
        return versions.stream().filter(v -> v.getStagesList().contains(label)).findFirst();
    }

    void add(VersionRecord.Builder version) {
        versions.add(version);
        count++;
    }

    /** How many versions the secret holds (with those added here). */
    long count() {
        return count;
    }

    /** Puts {@code label} on {@code target}, taking it from whichever version held it. */
    void attach(String label, VersionRecord.Builder target) {
        Optional<VersionRecord.Builder> holder = holderOf(label);
        if (holder.isPresent() && holder.get() == target) {
            return;
        }
        holder.ifPresent(h -> remove(h, label));
        addLabel(target, label);
        if (label.equals(Stages.CURRENT) && holder.isPresent()) {
            VersionRecord.Builder former = holder.get();
            holderOf(Stages.PREVIOUS).ifPresent(p -> remove(p, Stages.PREVIOUS));
            addLabel(former, Stages.PREVIOUS);
        }
    }

    void remove(VersionRecord.Builder version, String label) {
        unchanged.remove(version);
        List<String> kept = new ArrayList<>(version.getStagesList());
        kept.remove(label);
        version.clearStages().addAllStages(kept);
    }

    private void addLabel(VersionRecord.Builder version, String label) {
        if (!version.getStagesList().contains(label)) {
            unchanged.remove(version);
            version.addStages(label);
        }
    }

    /**
     * Removes the oldest deprecated versions until at most MAX_VERSIONS remain.
     * Returns the ids removed, or empty if the limit cannot be met. A partial record holds the
     * oldest deprecated version, so it prunes as the whole record would while one is enough.
     */
    Optional<List<String>> prune() {
        List<String> removed = new ArrayList<>();
        while (count > Limits.MAX_VERSIONS) {
            Optional<VersionRecord.Builder> oldest = versions.stream().filter(v -> v.getStagesCount() == 0).findFirst();
            if (oldest.isEmpty()) {
                return Optional.empty();
            }
            versions.remove(oldest.get());
            count--;
            removed.add(oldest.get().getVersionId());
        }
        return Optional.of(removed);
    }

    void writeTo(SecretRecord.Builder record) {
        if (record.hasVersionCount()) {
            record.setVersionCount(count);
        }
        record.clearVersions();
        versions.forEach(v -> {
            VersionRecord original = unchanged.get(v);
            record.addVersions(original != null ? original : v.build());
        });
    }
}
