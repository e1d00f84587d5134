package dev.kinko.server.domain.command.replication;

import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.server.domain.StateWriter;

/** In a replica region: a replica secret becomes this region's own (stopped, detached, dropped or promoted). */
final class Standalone {
    private Standalone() {}

    static void make(String region, SecretRecord secret, long now, StateWriter state) {
        state.putSecret(secret, secret.toBuilder().setPrimaryRegion(region).setLastChangedMillis(now).build());
    }
}
