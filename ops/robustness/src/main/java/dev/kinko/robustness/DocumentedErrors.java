package dev.kinko.robustness;

import java.util.Set;

/**
 * The error reasons a client may see while faults come and go, as the README documents them (the
 * Java client's retried reasons and its own): anything else a client sees fails the suite. The one
 * place this set is kept.
 */
final class DocumentedErrors {
    private DocumentedErrors() {}

    static final Set<String> REASONS = Set.of(
            "NO_LEADER",                  // UNAVAILABLE: the region is between leaders (retried)
            "NOT_READY",                  // UNAVAILABLE: the node is starting (retried)
            "NOT_LEADER",                 // UNAVAILABLE: asked a node that no longer leads (retried)
            "LEADER_UNREACHABLE",         // UNAVAILABLE: the node could not reach the leader (retried)
            "RAFT_TIMEOUT",               // UNAVAILABLE: Raft did not complete the request in time (retried)
            "FORWARD_OUTCOME_UNKNOWN",    // UNAVAILABLE: a forwarded write may have been committed (retried when idempotent)
            "DISK_FULL",                  // UNAVAILABLE: the leader is short of disk space (retried)
            "OVERLOADED",                 // RESOURCE_EXHAUSTED: a full queue; retried on the next node
            "AUDIT_UNAVAILABLE",          // UNAVAILABLE: the node cannot write its audit line (a full disk); audit fails closed
            "PRIMARY_REGION_UNAVAILABLE", // the client's own: the secret's primary region did not answer
            "DEADLINE_EXCEEDED",          // the caller's deadline ran out (on the node with ErrorInfo, or the client's own)
            Workload.TRANSPORT);          // the client reached no node of the region (all down or cut off), after its retries
}
