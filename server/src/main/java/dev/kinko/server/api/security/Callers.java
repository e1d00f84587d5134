package dev.kinko.server.api.security;

import io.grpc.Metadata;

/** Carries a caller to another node of the region, which believes it only from a node certificate. */
public final class Callers {
    private Callers() {}

    public static void forwardAs(Caller caller, Metadata headers) {
        headers.put(Authenticator.FORWARDED_PRINCIPAL, caller.principal());
        if (!caller.accessor().isEmpty()) {
            headers.put(Authenticator.FORWARDED_ACCESSOR, caller.accessor());
        }
        if (!caller.source().isEmpty()) {
            headers.put(Authenticator.FORWARDED_SOURCE, caller.source());
        }
    }
}
