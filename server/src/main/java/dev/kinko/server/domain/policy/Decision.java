package dev.kinko.server.domain.policy;

/** The outcome of evaluating policies; the two denials are told apart for the audit log. */
public enum Decision {
    ALLOW,
    /** A matching Deny statement: nothing can override it. */
    EXPLICIT_DENY,
    /** No matching Allow: the default. */
    IMPLICIT_DENY;

    public boolean allowed() {
        return this == ALLOW;
    }
}
