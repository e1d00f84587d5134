package dev.kinko.server.api.security;

import io.grpc.Context;
import java.util.Set;

/**
 * Who sent the current call, as the node authenticated it.
 *
 * @param principal {@code root}, {@code token:<accessor>}, {@code client:<name>}, {@code region:<name>} or {@code node:<region>/<id>}
 * @param accessor  the token's accessor, or "" for a certificate identity
 * @param policies  the names of the policies that decide what it may do
 * @param kind      what proved the identity
 * @param source    the remote address the call came from (the first node's, when forwarded)
 */
public record Caller(String principal, String accessor, Set<String> policies, Kind kind, String source) {
    public enum Kind { ROOT, TOKEN, CLIENT_CERT, REGION, NODE }

    static final Context.Key<Caller> CURRENT = Context.key("kinko-caller");

    /** The caller of the current call; every served call has one (the security interceptor sets it). */
    public static Caller current() {
        Caller c = CURRENT.get();
        if (c == null) {
            throw new IllegalStateException("no authenticated caller in this context");
        }
        return c;
    }

    public boolean root() {
        return kind == Kind.ROOT;
    }

    /** The region name of a region-link identity. */
    public String region() {
        return kind == Kind.REGION ? principal.substring("region:".length()) : "";
    }
}
