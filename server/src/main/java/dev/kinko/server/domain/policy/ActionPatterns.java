package dev.kinko.server.domain.policy;

import java.util.regex.Pattern;

/**
 * The Action rule: {@code *}, or {@code <service>:<name>} with service secretsmanager or kinko (any
 * case) and a name of letters, digits and wildcards. A pattern must match at least one known action
 * (exactly, when it has no wildcard): a misspelt action in a Deny would otherwise deny nothing.
 */
final class ActionPatterns {
    private ActionPatterns() {}

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9*?]+");

    static String check(String place, String pattern) {
        if (pattern.equals("*")) {
            return pattern;
        }
        int colon = pattern.indexOf(':');
        if (colon < 0) {
            throw Malformed.at(place, "must be * or <service>:<action>, got " + Malformed.quote(pattern));
        }
        String service = Actions.lower(pattern.substring(0, colon));
        if (!service.equals(Actions.SECRETS_SERVICE) && !service.equals(Actions.KINKO_SERVICE)) {
            throw Malformed.at(place, "names unknown service " + Malformed.quote(pattern.substring(0, colon))
                    + " (secretsmanager or kinko)");
        }
        if (!NAME.matcher(pattern.substring(colon + 1)).matches()) {
            throw Malformed.at(place, "action name may hold only letters, digits and the wildcards * ?, got "
                    + Malformed.quote(pattern));
        }
        if (!Wildcards.hasWildcard(pattern)) {
            if (Actions.canonical(pattern).isEmpty()) {
                throw Malformed.at(place, "names no known action: " + Malformed.quote(pattern));
            }
        } else if (Actions.ALL.stream().noneMatch(action -> Wildcards.matches(pattern, action, true))) {
            throw Malformed.at(place, "matches no known action: " + Malformed.quote(pattern));
        }
        return pattern;
    }
}
