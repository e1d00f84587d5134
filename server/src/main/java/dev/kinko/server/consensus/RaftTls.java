package dev.kinko.server.consensus;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Predicate;

/**
 * Mutual TLS on the Raft port. Ratis accepts any peer whose certificate the CA signed, so
 * {@code member} is Kinko's own check: only a node of this region may speak Raft to it.
 */
public record RaftTls(PrivateKey key, X509Certificate certificate, List<X509Certificate> trusted,
                      Predicate<X509Certificate> member) {}
