package dev.kinko.server.domain.policy;

import java.util.Map;
import java.util.Objects;

/**
 * What a caller wants to do, as policies see it.
 *
 * @param action   an action name, e.g. {@link Actions#GET_SECRET_VALUE} (any case)
 * @param region   the region serving the request; it goes into the ARNs that {@code arn:} patterns see
 * @param resource the secret's name (resolved from the id the caller sent), or {@link #ANY_RESOURCE}
 *                 for calls that are not about one secret (admin calls, ListSecrets, GetRandomPassword)
 * @param tags     the secret's tags, which tag conditions read; empty for {@link #ANY_RESOURCE}
 */
public record AccessRequest(String action, String region, String resource, Map<String, String> tags) {
    /** The resource of a call that is not about one secret. Secret names cannot contain '*', so it is never a name. */
    public static final String ANY_RESOURCE = "*";

    public AccessRequest {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(resource, "resource");
        tags = Map.copyOf(tags);
    }

    public static AccessRequest forSecret(String action, String region, String name, Map<String, String> tags) {
        return new AccessRequest(action, region, name, tags);
    }

    public static AccessRequest forRegion(String action, String region) {
        return new AccessRequest(action, region, ANY_RESOURCE, Map.of());
    }

    public boolean isAnyResource() {
        return resource.equals(ANY_RESOURCE);
    }

    /** What {@code arn:} patterns are matched against: the secret's ARN, or the region's for {@link #ANY_RESOURCE}. */
    public String arn() {
        return isAnyResource() ? RegionArn.of(region) : SecretArn.of(region, resource);
    }
}
