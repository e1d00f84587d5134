package dev.kinko.server.domain;

import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks made at the API edge, before anything is built or appended. Each
 * failure names the rule in its message; no message quotes a value.
 */
public final class Validation {
    private Validation() {}

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9/_+=.@-]+");
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9/_+=.@:-]+");
    private static final Pattern REGION = Pattern.compile("[a-z0-9-]{1,63}");

    public static void name(String name) {
        if (name.isEmpty() || name.length() > Limits.MAX_NAME_LENGTH) {
            throw new KinkoException(Reason.INVALID_NAME,
                    "a secret name must be 1-" + Limits.MAX_NAME_LENGTH + " characters long, got " + name.length());
        }
        if (!NAME.matcher(name).matches()) {
            throw new KinkoException(Reason.INVALID_NAME,
                    "a secret name may hold only letters, digits and /_+=.@-");
        }
    }

    /** A secret reference in a request: its name or its id. */
    public static void secretId(String secretId) {
        if (secretId.isEmpty() || secretId.length() > Limits.MAX_NAME_LENGTH || !NAME.matcher(secretId).matches()) {
            throw new KinkoException(Reason.INVALID_SECRET_ID,
                    "secret_id must be a secret name or id: 1-" + Limits.MAX_NAME_LENGTH
                            + " characters of letters, digits and /_+=.@-");
        }
    }

    /** An empty token is allowed here: the node then generates one. */
    public static void token(String token) {
        if (token.isEmpty()) {
            return;
        }
        if (token.length() < Limits.MIN_TOKEN_LENGTH || token.length() > Limits.MAX_TOKEN_LENGTH
                || !TOKEN.matcher(token).matches()) {
            throw new KinkoException(Reason.INVALID_TOKEN, "client_request_token must be "
                    + Limits.MIN_TOKEN_LENGTH + "-" + Limits.MAX_TOKEN_LENGTH
                    + " characters of letters, digits, '-' and '_', got " + token.length() + " characters");
        }
    }

    /** A version id given to select or move a version has the token's shape. */
    public static void versionId(String field, String versionId) {
        if (versionId.isEmpty() || versionId.length() > Limits.MAX_TOKEN_LENGTH || !TOKEN.matcher(versionId).matches()) {
            throw new KinkoException(Reason.VERSION_NOT_FOUND,
                    field + " is not a version id (1-" + Limits.MAX_TOKEN_LENGTH + " letters, digits, '-', '_')");
        }
    }

    public static void value(byte[] value) {
        if (value.length == 0) {
            throw new KinkoException(Reason.EMPTY_VALUE, "a secret value must not be empty");
        }
        if (value.length > Limits.MAX_VALUE_BYTES) {
            throw new KinkoException(Reason.VALUE_TOO_LARGE, "a secret value must be at most "
                    + Limits.MAX_VALUE_BYTES + " bytes, got " + value.length);
        }
    }

    public static void label(String label) {
        if (label.isEmpty() || label.length() > Limits.MAX_LABEL_LENGTH) {
            throw new KinkoException(Reason.INVALID_LABEL,
                    "a version stage label must be 1-" + Limits.MAX_LABEL_LENGTH + " characters long, got " + label.length());
        }
        if (!LABEL.matcher(label).matches()) {
            throw new KinkoException(Reason.INVALID_LABEL,
                    "a version stage label may hold only letters, digits and /_+=.@:-");
        }
    }

    public static void labels(Collection<String> labels) {
        if (labels.size() > Limits.MAX_LABELS_PER_VERSION) {
            throw new KinkoException(Reason.TOO_MANY_LABELS, "a version may carry at most "
                    + Limits.MAX_LABELS_PER_VERSION + " stage labels, got " + labels.size());
        }
        Set<String> seen = new HashSet<>();
        for (String label : labels) {
            label(label);
            if (!seen.add(label)) {
                throw new KinkoException(Reason.INVALID_LABEL, "a version may not carry the same stage label twice");
            }
        }
    }

    /** Region names in a request: 1-MAX_REPLICA_REGIONS, each 1-63 lowercase letters, digits or '-'. */
    public static void regions(Collection<String> regions) {
        if (regions.isEmpty() || regions.size() > Limits.MAX_REPLICA_REGIONS) {
            throw new KinkoException(Reason.INVALID_REPLICA_REGION, "name 1-" + Limits.MAX_REPLICA_REGIONS
                    + " regions, got " + regions.size());
        }
        for (String r : regions) {
            if (!REGION.matcher(r).matches()) {
                throw new KinkoException(Reason.INVALID_REPLICA_REGION,
                        "a region name is 1-63 lowercase letters, digits or '-'");
            }
        }
    }

    public static void description(String description) {
        if (description.length() > Limits.MAX_DESCRIPTION_LENGTH) {
            throw new KinkoException(Reason.INVALID_DESCRIPTION, "a description must be at most "
                    + Limits.MAX_DESCRIPTION_LENGTH + " characters, got " + description.length());
        }
        if (hasControlCharacter(description)) {
            throw new KinkoException(Reason.INVALID_DESCRIPTION, "a description must not hold control characters");
        }
    }

    public static void tags(Map<String, String> tags) {
        if (tags.size() > Limits.MAX_TAGS) {
            throw new KinkoException(Reason.TOO_MANY_TAGS,
                    "a secret may carry at most " + Limits.MAX_TAGS + " tags, got " + tags.size());
        }
        tags.forEach((key, value) -> {
            tagKey(key);
            if (value.length() > Limits.MAX_TAG_VALUE_LENGTH || hasControlCharacter(value)) {
                throw new KinkoException(Reason.INVALID_TAG, "a tag value must be at most "
                        + Limits.MAX_TAG_VALUE_LENGTH + " characters without control characters");
            }
        });
    }

    public static void tagKey(String key) {
        if (key.isEmpty() || key.length() > Limits.MAX_TAG_KEY_LENGTH || hasControlCharacter(key)) {
            throw new KinkoException(Reason.INVALID_TAG, "a tag key must be 1-"
                    + Limits.MAX_TAG_KEY_LENGTH + " characters without control characters");
        }
    }

    /** 0 means the maximum. */
    public static int pageSize(int pageSize) {
        if (pageSize < 0 || pageSize > Limits.MAX_PAGE_SIZE) {
            throw new KinkoException(Reason.INVALID_PAGE_SIZE,
                    "page_size must be 1-" + Limits.MAX_PAGE_SIZE + " (or 0 for " + Limits.MAX_PAGE_SIZE + "), got " + pageSize);
        }
        return pageSize == 0 ? Limits.MAX_PAGE_SIZE : pageSize;
    }

    /** 0 means the default window. */
    public static int recoveryWindowDays(int days) {
        if (days == 0) {
            return Limits.DEFAULT_RECOVERY_WINDOW_DAYS;
        }
        if (days < Limits.MIN_RECOVERY_WINDOW_DAYS || days > Limits.MAX_RECOVERY_WINDOW_DAYS) {
            throw new KinkoException(Reason.INVALID_RECOVERY_WINDOW, "recovery_window_in_days must be "
                    + Limits.MIN_RECOVERY_WINDOW_DAYS + "-" + Limits.MAX_RECOVERY_WINDOW_DAYS + ", got " + days);
        }
        return days;
    }

    private static boolean hasControlCharacter(String s) {
        return s.chars().anyMatch(Character::isISOControl);
    }
}
