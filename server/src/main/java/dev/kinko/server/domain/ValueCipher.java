package dev.kinko.server.domain;

import dev.kinko.proto.raft.v1.SealedValue;

/** Envelope encryption of secret values, declared for the domain and implemented by crypto. */
public interface ValueCipher {
    /** Seals under a fresh data key wrapped by the newest region key; binds secret id and version id. */
    SealedValue seal(String secretId, String versionId, byte[] plaintext, boolean binary);

    /** The plaintext; the caller clears it when done. */
    byte[] open(String secretId, String versionId, SealedValue sealed);
}
