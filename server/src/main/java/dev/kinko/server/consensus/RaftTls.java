package dev.kinko.server.consensus;

import java.security.cert.X509Certificate;
import java.util.function.Predicate;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * Mutual TLS on the Raft port. Ratis accepts any peer whose certificate the CA signed, so
 * {@code member} is Kinko's own check: only a node of this region may speak Raft to it. The
 * managers are built once per node, so Ratis' many TLS contexts do not each rebuild a key store.
 */
public record RaftTls(X509KeyManager keyManager, X509TrustManager trustManager, Predicate<X509Certificate> member) {}
