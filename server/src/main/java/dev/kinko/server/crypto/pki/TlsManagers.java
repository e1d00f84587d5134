package dev.kinko.server.crypto.pki;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * Key and trust managers built once from a node's TLS material, for every TLS context the node
 * makes (its gRPC ports and channels, Ratis' server and clients). Given files, Netty builds a
 * PKCS#12 store per context and runs its password hashing twice, 50-140 ms each under the
 * launcher's C1 here, for each of about ten contexts per node; given managers, it builds none.
 * The stores here live in memory only and are never written.
 */
public final class TlsManagers {
    private static final char[] NO_PASSWORD = new char[0];

    private TlsManagers() {}

    /** Presents {@code chain} (leaf first) and proves it with {@code key}. */
    public static X509KeyManager keyManager(PrivateKey key, List<X509Certificate> chain) throws IOException {
        try {
            KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            f.init(keyStore(key, chain), NO_PASSWORD);
            return only(f.getKeyManagers(), X509KeyManager.class);
        } catch (GeneralSecurityException e) {
            throw new IOException("the TLS key and certificate do not make a key manager: " + e.getMessage(), e);
        }
    }

    /** An in-memory store holding {@code key} and {@code chain} under the empty password. */
    public static KeyStore keyStore(PrivateKey key, List<X509Certificate> chain) throws IOException {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("key", key, NO_PASSWORD, chain.toArray(X509Certificate[]::new));
            return store;
        } catch (GeneralSecurityException e) {
            throw new IOException("the TLS key and certificate do not make a key store: " + e.getMessage(), e);
        }
    }

    /** Trusts exactly the certificates {@code trusted} (the deployment CA), not the system's roots. */
    public static X509TrustManager trustManager(List<X509Certificate> trusted) throws IOException {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < trusted.size(); i++) {
                store.setCertificateEntry("ca-" + i, trusted.get(i));
            }
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(store);
            return only(f.getTrustManagers(), X509TrustManager.class);
        } catch (GeneralSecurityException e) {
            throw new IOException("the CA certificates do not make a trust manager: " + e.getMessage(), e);
        }
    }

    private static <T> T only(Object[] managers, Class<T> type) throws IOException {
        for (Object m : managers) {
            if (type.isInstance(m)) {
                return type.cast(m);
            }
        }
        throw new IOException("the JDK made no " + type.getSimpleName());
    }
}
