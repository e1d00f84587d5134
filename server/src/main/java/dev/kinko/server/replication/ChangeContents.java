package dev.kinko.server.replication;

import dev.kinko.proto.raft.v1.JournalRecord;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.VersionRecord;
import dev.kinko.server.domain.StateQueries;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a journal record ships: the secret as it is now (a layout-v2 record names the change and
 * copies nothing) with the values it names, plus the values of versions added since it was
 * journaled, so a replica never lists a version whose value has not arrived. Reads are cached
 * for one batch, so sizing a batch and building it (records coalesced or not) read each secret and
 * each value once.
 */
final class ChangeContents {
    /** A change's secret and the sealed values that travel with it (still sealed by this region). */
    record Content(SecretRecord secret, Map<String, SealedValue> values, int bytes) {}

    /** A record's fixed cost on the wire besides its secret and values (ids, flags, sealed data keys). */
    static final int OVERHEAD_BYTES = 128;
    static final int VALUE_OVERHEAD_BYTES = 128;

    private final StateQueries state;
    private final Map<String, Optional<SecretRecord>> secrets = new HashMap<>();
    private final Map<ValueKey, Optional<SealedValue>> sealedValues = new HashMap<>();

    private record ValueKey(String secretId, String versionId) {}

    ChangeContents(StateQueries state) {
        this.state = state;
    }

    /** Empty for a detach, and for a secret gone since (nothing is left to ship of it). */
    Optional<Content> of(JournalRecord r) {
        if (r.getDetach()) {
            return Optional.empty();
        }
        Optional<SecretRecord> secret = r.hasSecret() ? Optional.of(r.getSecret())
                : secrets.computeIfAbsent(r.getSecretId(), state::secretById).map(s -> s.toBuilder().clearReplicas().build());
        if (secret.isEmpty()) {
            return Optional.empty();
        }
        Set<String> named = new HashSet<>(r.getVersionIdsList());
        Map<String, SealedValue> values = new LinkedHashMap<>();
        int bytes = OVERHEAD_BYTES + secret.get().getSerializedSize();
        for (VersionRecord v : secret.get().getVersionsList()) {
            boolean travels = named.contains(v.getVersionId()) || (!r.hasSecret() && v.getOrdinal() >= r.getNextOrdinal());
            if (travels) {
                Optional<SealedValue> sealed = sealedValues.computeIfAbsent(new ValueKey(r.getSecretId(), v.getVersionId()),
                        k -> state.value(k.secretId(), k.versionId()));
                if (sealed.isPresent()) {
                    values.put(v.getVersionId(), sealed.get());
                    bytes += VALUE_OVERHEAD_BYTES + sealed.get().getCiphertext().size();
                }
            }
        }
        return Optional.of(new Content(secret.get(), values, bytes));
    }

    /** The bytes a record adds to a batch (an estimate from above: coalescing only shrinks it). */
    int bytes(JournalRecord r) {
        return of(r).map(Content::bytes).orElse(OVERHEAD_BYTES);
    }
}
