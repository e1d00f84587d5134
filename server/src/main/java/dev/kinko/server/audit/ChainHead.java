package dev.kinko.server.audit;

/**
 * The newest line of a node's audit chain: its file name (no directory), seq and hash. Heads
 * replicated elsewhere (anchors) let the verifier notice a cut tail or a rewritten chain.
 * An empty log's head is ("", 0, 64 zeros).
 */
public record ChainHead(String file, long seq, String hash) {}
