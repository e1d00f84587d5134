package dev.kinko.server.domain;

import dev.kinko.proto.raft.v1.RegionKeyRecord;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import java.util.List;
import java.util.Optional;

/** Read access to a region's state. Declared here so the domain never sees RocksDB. */
public interface StateReader {
    Optional<SecretRecord> secretById(String id);

    Optional<String> idByName(String name);

    Optional<SealedValue> value(String secretId, String versionId);

    List<RegionKeyRecord> regionKeys();

    /** Resolves a request's secret_id: a name first, then an id. */
    default Optional<SecretRecord> resolve(String nameOrId) {
        return idByName(nameOrId).or(() -> Optional.of(nameOrId)).flatMap(this::secretById);
    }
}
