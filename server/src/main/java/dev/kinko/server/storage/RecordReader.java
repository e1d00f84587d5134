package dev.kinko.server.storage;

import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.storage.RocksStorage.Family;
import java.util.Optional;

/** The point lookups of {@link StateReader}, decoded from whatever {@link #get} reads. */
abstract class RecordReader implements StateReader {
    abstract byte[] get(Family family, byte[] key);

    @Override
    public Optional<SecretRecord> secretById(String id) {
        return Optional.ofNullable(get(Family.SECRETS, Keys.utf8(id))).map(RocksStorage::secret);
    }

    @Override
    public Optional<String> idByName(String name) {
        return Optional.ofNullable(get(Family.NAMES, Keys.utf8(name))).map(Keys::string);
    }

    @Override
    public Optional<SealedValue> value(String secretId, String versionId) {
        return Optional.ofNullable(get(Family.VALUES, Keys.value(secretId, versionId))).map(RocksStorage::sealed);
    }
}
