package dev.kinko.server.domain.policy;

import java.util.List;

/**
 * One validated statement. {@code sid} is "" when the statement has none. Action and resource
 * patterns are kept as written; conditions all must hold (AND), values within one condition are
 * alternatives (OR). Actions match case-insensitively, resources and tag values case-sensitively.
 */
public record Statement(String sid, Effect effect, List<String> actions, List<String> resources,
                        List<TagCondition> conditions) {
    public Statement {
        actions = List.copyOf(actions);
        resources = List.copyOf(resources);
        conditions = List.copyOf(conditions);
    }

    /** True when an action pattern, a resource pattern and every condition match the request. */
    public boolean matches(AccessRequest request) {
        return actions.stream().anyMatch(pattern -> Wildcards.matches(pattern, request.action(), true))
                && resources.stream().anyMatch(pattern -> resourceMatches(pattern, request))
                && conditions.stream().allMatch(condition -> condition.holds(request.tags()));
    }

    /**
     * {@code arn:} patterns see the ARN (the secret's, or the region's for ANY_RESOURCE); other patterns
     * see the secret name, and only the pattern {@code *} itself covers a call that is not about one secret
     * (so {@code prod/*} grants no admin action and no ListSecrets).
     */
    private static boolean resourceMatches(String pattern, AccessRequest request) {
        if (pattern.startsWith("arn:")) {
            return Wildcards.matches(pattern, request.arn());
        }
        if (request.isAnyResource()) {
            return pattern.equals(AccessRequest.ANY_RESOURCE);
        }
        return Wildcards.matches(pattern, request.resource());
    }
}
