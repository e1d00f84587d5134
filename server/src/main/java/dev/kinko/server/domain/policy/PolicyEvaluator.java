package dev.kinko.server.domain.policy;

import java.util.Collection;

/**
 * AWS's evaluation logic for identity policies, deny by default: a matching Deny anywhere wins,
 * else a matching Allow allows, else the request is implicitly denied. The order of policies and
 * statements never matters.
 */
public final class PolicyEvaluator {
    private PolicyEvaluator() {}

    public static Decision evaluate(Collection<PolicyDocument> policies, AccessRequest request) {
        boolean allowed = false;
        for (PolicyDocument policy : policies) {
            for (Statement statement : policy.statements()) {
                if (statement.matches(request)) {
                    if (statement.effect() == Effect.DENY) {
                        return Decision.EXPLICIT_DENY;
                    }
                    allowed = true;
                }
            }
        }
        return allowed ? Decision.ALLOW : Decision.IMPLICIT_DENY;
    }
}
