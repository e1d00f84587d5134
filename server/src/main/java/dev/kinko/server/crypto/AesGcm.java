package dev.kinko.server.crypto;

/**
 * One implementation of AES-256-GCM with a 96-bit nonce and a 128-bit tag, for {@link Aead}. The
 * sealed form is Aead's: nonce, then ciphertext with its tag; every implementation reads what the
 * others write.
 */
interface AesGcm {
    /** Seals {@code plaintext} into {@code out} after the nonce already written at its start. */
    void seal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext, byte[] out);

    /** Opens nonce-framed {@code sealed}; throws {@link CryptoException} when the tag does not match. */
    byte[] open(byte[] key, byte[] aad, byte[] sealed);

    /** What the node's start log names. */
    String name();
}
