package dev.kinko.server.api.security;

import dev.kinko.proto.raft.v1.TokenRecord;
import dev.kinko.server.crypto.AccessTokens;
import dev.kinko.server.crypto.EnvelopeCipher;
import dev.kinko.server.crypto.pki.PeerIdentity;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.StateReader;
import io.grpc.Metadata;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Turns a call's credentials into a {@link Caller}: a bearer token, or a client, region or
 * node certificate. A caller forwarded by another node (a follower passing a write to the
 * leader, a status fan-out) is believed only when that node's own certificate names a node of
 * this region; its identity is then looked up again here, never taken on trust with its rights.
 */
public final class Authenticator {
    public static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    /** Set by a node that forwards a call: the original caller's principal, accessor and address. */
    public static final Metadata.Key<String> FORWARDED_PRINCIPAL = Metadata.Key.of("kinko-caller", Metadata.ASCII_STRING_MARSHALLER);
    public static final Metadata.Key<String> FORWARDED_ACCESSOR = Metadata.Key.of("kinko-caller-accessor", Metadata.ASCII_STRING_MARSHALLER);
    public static final Metadata.Key<String> FORWARDED_SOURCE = Metadata.Key.of("kinko-caller-source", Metadata.ASCII_STRING_MARSHALLER);
    private static final String BEARER = "Bearer ";
    /** The name {@link #peerOf} keeps a TLS session's peer under ({@link SSLSession#putValue}). */
    static final String PEER_SESSION_VALUE = "dev.kinko.peer";

    private final String region;
    private final StateReader state;
    private final Clock clock;
    private final dev.kinko.server.frontend.JumpSafeClock expiry;
    private final Runnable catchUp;
    private final Predicate<String> member;
    private final EnvelopeCipher cipher;

    /**
     * {@code catchUp} blocks until this node has applied what the region committed (a read
     * barrier): a token created a moment ago through another node may not have reached this one.
     */
    public Authenticator(String region, StateReader state, EnvelopeCipher cipher, Clock clock, Runnable catchUp,
                         Predicate<String> member) {
        this.member = member;
        this.cipher = cipher;
        this.region = region;
        this.state = state;
        this.clock = clock;
        this.expiry = new dev.kinko.server.frontend.JumpSafeClock(clock);
        this.catchUp = catchUp;
    }

    /**
     * The token under {@code accessor}, waiting for this node to catch up once when it does not
     * know it. Bogus tokens must not tie up the node: at most {@link #CATCH_UPS} calls wait at a
     * time (the others are judged by what this node holds), and an accessor that was still unknown
     * after a catch-up is not waited for again within {@link #UNKNOWN_FOR_MILLIS}.
     */
    private Optional<TokenRecord> token(String accessor) {
        Optional<TokenRecord> t = state.token(accessor);
        if (t.isPresent() || recentlyUnknown(accessor) || !catchUps.tryAcquire()) {
            return t;
        }
        try {
            catchUp.run();
        } catch (RuntimeException e) {
            return Optional.empty(); // no leader to ask: judged by what this node holds
        } finally {
            catchUps.release();
        }
        t = state.token(accessor);
        if (t.isEmpty()) {
            synchronized (unknown) {
                unknown.put(accessor, clock.millis());
            }
        }
        return t;
    }

    private boolean recentlyUnknown(String accessor) {
        synchronized (unknown) {
            Long since = unknown.get(accessor);
            if (since == null) {
                return false;
            }
            long ago = clock.millis() - since;
            return ago >= 0 && ago < UNKNOWN_FOR_MILLIS; // a jump of the clock back ends it too
        }
    }

    /** Calls that may wait for a catch-up at once. */
    static final int CATCH_UPS = 2;
    /** How long an accessor unknown after a catch-up is judged without waiting again. */
    static final long UNKNOWN_FOR_MILLIS = 5_000;
    /** Unknown accessors remembered at most. */
    static final int MAX_UNKNOWN = 10_000;
    private final java.util.concurrent.Semaphore catchUps = new java.util.concurrent.Semaphore(CATCH_UPS);
    private final java.util.Map<String, Long> unknown = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, Long> eldest) {
            return size() > MAX_UNKNOWN;
        }
    };

    public Caller authenticate(Metadata headers, SSLSession session, String source) {
        Optional<PeerIdentity> peer = peerOf(session);
        String forwarded = headers.get(FORWARDED_PRINCIPAL);
        if (forwarded != null) {
            if (peer.isEmpty() || peer.get().kind() != PeerIdentity.Kind.NODE || !peer.get().region().equals(region)
                    || !member.test(peer.get().nodeId())) {
                throw refused("only a node of region " + region + " may forward a caller");
            }
            String from = Optional.ofNullable(headers.get(FORWARDED_SOURCE)).orElse(source);
            return forwarded(forwarded, Optional.ofNullable(headers.get(FORWARDED_ACCESSOR)).orElse(""), from);
        }
        String authorization = headers.get(AUTHORIZATION);
        if (authorization != null) {
            if (!authorization.startsWith(BEARER)) {
                throw refused("the authorization header must be 'Bearer <token>'");
            }
            return byToken(authorization.substring(BEARER.length()).strip(), source);
        }
        if (peer.isPresent()) {
            return byCertificate(peer.get(), source);
        }
        throw refused("no credentials: send a token (authorization: Bearer ...) or a client certificate");
    }

    /**
     * An access key's secret (opened, in memory) and the caller it stands for. {@link #secret()}
     * is the array itself, not a copy: {@link #close()} wipes it, so use it in try-with-resources.
     */
    public static final class AccessKey implements AutoCloseable {
        private final byte[] secret;
        private final Caller caller;

        AccessKey(byte[] secret, Caller caller) {
            this.secret = secret;
            this.caller = caller;
        }

        /** The secret access key's ASCII bytes (SigV4 signs with "AWS4" + these). */
        public byte[] secret() {
            return secret;
        }

        /** Kind TOKEN, the key's policies, its accessor (the access key id) and the source given. */
        public Caller caller() {
            return caller;
        }

        @Override
        public void close() {
            Arrays.fill(secret, (byte) 0);
        }

        @Override
        public String toString() {
            return "access key " + caller.accessor(); // never the secret
        }
    }

    /**
     * The access key {@code accessKeyId} (the AWS endpoint calls this with the id it parsed from
     * the Authorization header, then verifies the signature with its secret), or empty: one answer
     * for an id of the wrong shape, an unknown, revoked or expired key and a bearer token's
     * accessor, so a caller learns nothing (AWS's UnrecognizedClientException). An id this node
     * does not know yet is waited for as a token is (a key created a moment ago elsewhere).
     * {@code source} is the caller's address, for the {@link Caller}.
     */
    public Optional<AccessKey> accessKey(String accessKeyId, String source) {
        if (!AccessTokens.isAccessKeyId(accessKeyId)) {
            return Optional.empty();
        }
        TokenRecord t = token(accessKeyId).orElse(null);
        if (t == null || !t.hasSealedSecretKey() || t.getRoot() || expired(t)) {
            return Optional.empty();
        }
        byte[] secret = cipher.openAccessKeySecret(t.getAccessor(), t.getSealedSecretKey());
        return Optional.of(new AccessKey(secret, caller(t, source)));
    }

    private Caller forwarded(String principal, String accessor, String source) {
        if (!accessor.isEmpty()) {
            TokenRecord t = token(accessor).orElseThrow(() -> refused("the token was revoked"));
            checkExpiry(t);
            return caller(t, source);
        }
        return PeerIdentity.parsePrincipal(principal).map(p -> byCertificate(p, source))
                .orElseThrow(() -> refused("a forwarded caller names no identity"));
    }

    private Caller byToken(String token, String source) {
        String accessor = AccessTokens.accessorOf(token).orElseThrow(() -> refused("the token is not a Kinko token"));
        TokenRecord t = token(accessor).orElse(null);
        // the same answer for an unknown accessor and a wrong secret: a caller learns nothing
        if (t == null || !AccessTokens.matches(token, t.getHash().toByteArray())) {
            throw refused("the token is not valid (unknown or revoked)");
        }
        checkExpiry(t);
        return caller(t, source);
    }

    private void checkExpiry(TokenRecord t) {
        if (expired(t)) {
            throw refused("the token expired");
        }
    }

    private boolean expired(TokenRecord t) {
        // never behind monotonic time: a backward jump of this node's clock keeps no expired token alive
        return t.getExpiresMillis() != 0 && expiry.expiryNow() >= t.getExpiresMillis();
    }

    private static Caller caller(TokenRecord t, String source) {
        if (t.getRoot()) {
            return new Caller("root", t.getAccessor(), Set.of(), Caller.Kind.ROOT, source);
        }
        return new Caller("token:" + t.getAccessor(), t.getAccessor(), new LinkedHashSet<>(t.getPoliciesList()),
                Caller.Kind.TOKEN, source);
    }

    private Caller byCertificate(PeerIdentity peer, String source) {
        return switch (peer.kind()) {
            case CLIENT -> new Caller(peer.principal(), "", policiesOf(peer.name()), Caller.Kind.CLIENT_CERT, source);
            case REGION -> new Caller(peer.principal(), "", Set.of(), Caller.Kind.REGION, source);
            case NODE -> new Caller(peer.principal(), "", Set.of(), Caller.Kind.NODE, source);
        };
    }

    /** The policies that name a client certificate's identity. */
    private Set<String> policiesOf(String client) {
        Set<String> names = new LinkedHashSet<>();
        state.policies().stream().filter(p -> p.getClientsList().contains(client)).forEach(p -> names.add(p.getName()));
        return names;
    }

    /**
     * The caller's certificate identity, found once per TLS session and kept in it: a session's
     * peer never changes, and without a client certificate finding out costs an exception with
     * its stack trace (a hundredth of a leader's CPU under writes when done for every call).
     */
    static Optional<PeerIdentity> peerOf(SSLSession session) {
        if (session == null) {
            return Optional.empty();
        }
        if (session.getValue(PEER_SESSION_VALUE) instanceof SessionPeer known) {
            return known.peer();
        }
        Optional<PeerIdentity> peer;
        try {
            Certificate[] chain = session.getPeerCertificates();
            peer = chain.length > 0 && chain[0] instanceof X509Certificate leaf ? PeerIdentity.of(leaf) : Optional.empty();
        } catch (SSLPeerUnverifiedException e) {
            peer = Optional.empty(); // no client certificate: tokens only
        }
        session.putValue(PEER_SESSION_VALUE, new SessionPeer(peer));
        return peer;
    }

    private record SessionPeer(Optional<PeerIdentity> peer) {}

    private static KinkoException refused(String why) {
        return new KinkoException(Reason.UNAUTHENTICATED, why);
    }
}
