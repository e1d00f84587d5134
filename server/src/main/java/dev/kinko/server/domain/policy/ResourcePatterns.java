package dev.kinko.server.domain.policy;

import java.util.regex.Pattern;

/**
 * The Resource rule: a secret-name pattern ({@code prod/*}), or an ARN pattern starting with
 * {@code arn:}. An ARN's fixed parts are checked up to its first wildcard (a {@code *} may span
 * colons, so nothing after it can be checked part by part), so {@code arn:aws:...} or a wrong
 * account is refused instead of silently never matching.
 */
final class ResourcePatterns {
    private ResourcePatterns() {}

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9/_+=.@*?-]+");
    private static final Pattern ARN = Pattern.compile("[A-Za-z0-9/_+=.@:*?-]+");
    private static final Pattern REGION = Pattern.compile("[a-z0-9-]{1,63}");
    private static final String SHAPES = "arn:kinko:secretsmanager:<region>:" + SecretArn.ACCOUNT
            + ":secret:<name> or arn:kinko:kinko:<region>:" + SecretArn.ACCOUNT + ":region";

    static String check(String place, String pattern) {
        if (pattern.startsWith("arn:")) {
            return checkArn(place, pattern);
        }
        if (!NAME.matcher(pattern).matches()) {
            throw Malformed.at(place, "must be a secret name pattern (letters, digits, /_+=.@- and the wildcards * ?)"
                    + " or an ARN, got " + Malformed.quote(pattern));
        }
        return pattern;
    }

    private static String checkArn(String place, String pattern) {
        if (!ARN.matcher(pattern).matches()) {
            throw Malformed.at(place, "must be an ARN of letters, digits, /_+=.@:- and the wildcards * ?, got "
                    + Malformed.quote(pattern));
        }
        String[] parts = pattern.split(":", -1);
        for (int i = 1; i < parts.length; i++) {
            if (Wildcards.hasWildcard(parts[i])) {
                return pattern;
            }
            if (!partFits(i, parts[i], parts)) {
                throw Malformed.at(place, "is not a Kinko ARN (" + SHAPES + "): part " + (i + 1) + " is "
                        + Malformed.quote(parts[i]));
            }
        }
        boolean secret = parts.length > 2 && parts[2].equals(Actions.SECRETS_SERVICE);
        if (parts.length < (secret ? 7 : 6)) {
            throw Malformed.at(place, "is an incomplete ARN (" + SHAPES + "): " + Malformed.quote(pattern));
        }
        return pattern;
    }

    /** Part {@code i} (0-based) of an ARN whose parts before it are literal and fit. */
    private static boolean partFits(int i, String part, String[] parts) {
        return switch (i) {
            case 1 -> part.equals("kinko");
            case 2 -> part.equals(Actions.SECRETS_SERVICE) || part.equals(Actions.KINKO_SERVICE);
            case 3 -> REGION.matcher(part).matches();
            case 4 -> part.equals(SecretArn.ACCOUNT);
            case 5 -> part.equals(parts[2].equals(Actions.SECRETS_SERVICE) ? "secret" : "region");
            // secret names hold no ':', so a secret ARN has exactly 7 parts and a region ARN 6
            case 6 -> parts[2].equals(Actions.SECRETS_SERVICE) && !part.isEmpty();
            default -> false;
        };
    }
}
