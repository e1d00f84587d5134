package dev.kinko.server.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.security.cert.Certificate;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Test;

/** A TLS session's peer is found once and kept in the session: its peer never changes. */
class PeerOfSessionTest {
    @Test
    void aSessionWithoutAClientCertificateIsAskedOnce() {
        AtomicInteger asked = new AtomicInteger();
        SSLSession session = session(asked, null);

        assertThat(Authenticator.peerOf(session)).isEmpty();
        assertThat(Authenticator.peerOf(session)).isEmpty();
        assertThat(asked).hasValue(1);
    }

    @Test
    void eachSessionIsAskedForItsOwnPeer() {
        AtomicInteger asked = new AtomicInteger();
        SSLSession first = session(asked, null);
        SSLSession second = session(asked, new Certificate[0]);

        assertThat(Authenticator.peerOf(first)).isEmpty();
        assertThat(Authenticator.peerOf(second)).isEmpty();
        assertThat(asked).hasValue(2);
    }

    @Test
    void noSessionIsNoPeer() {
        assertThat(Authenticator.peerOf(null)).isEmpty();
    }

    /** A session whose peer certificates are {@code chain}, or none (the exception) when null. */
    private static SSLSession session(AtomicInteger asked, Certificate[] chain) {
        Map<String, Object> values = new HashMap<>();
        return (SSLSession) Proxy.newProxyInstance(SSLSession.class.getClassLoader(), new Class<?>[] {SSLSession.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getPeerCertificates" -> {
                        asked.incrementAndGet();
                        if (chain == null) {
                            throw new SSLPeerUnverifiedException("peer not authenticated");
                        }
                        yield chain;
                    }
                    case "getValue" -> values.get((String) args[0]);
                    case "putValue" -> {
                        values.put((String) args[0], args[1]);
                        yield null;
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
