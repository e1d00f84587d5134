package dev.kinko.server.domain.command.access;

import dev.kinko.proto.raft.v1.PolicyRecord;
import dev.kinko.proto.raft.v1.TokenRecord;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.StateWriter;
import java.util.Map;

/**
 * Policies and tokens in the state. The leader validated the documents and made the token's
 * hash before the append; here they are stored. A record replicated from a source region is
 * read-only here until this region is promoted; every change of this region's own records
 * moves the access version its links ship by.
 */
public final class AccessRules {
    private AccessRules() {}

    /** After a promotion every replicated policy and token is this region's own: writable, and shipped on. */
    public static void adoptAll(StateWriter state) {
        for (TokenRecord t : state.tokens()) {
            if (!t.getOriginRegion().isEmpty()) {
                state.putToken(t.toBuilder().clearOriginRegion().build());
            }
        }
        for (PolicyRecord p : state.policies()) {
            if (!p.getOriginRegion().isEmpty()) {
                state.putPolicy(p.toBuilder().clearOriginRegion().build());
            }
        }
        changed(state);
    }

    /** This region's own access records changed: its links ship them again. */
    static void changed(StateWriter state) {
        state.setAccessVersion(state.accessVersion() + 1);
    }

    /** {@code origin} is the region a record was replicated from, empty for this region's own. */
    static void checkWritableHere(String origin, String what) {
        if (!origin.isEmpty()) {
            throw new KinkoException(Reason.REPLICA_READ_ONLY, what + " is replicated from region " + origin
                    + " and read-only here; change it there", Map.of("primary_region", origin));
        }
    }
}
