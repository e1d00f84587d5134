package dev.kinko.server.domain.policy;

/**
 * The ARN of a region, {@code arn:kinko:kinko:<region>:000000000000:region}: what ARN patterns are
 * compared with for admin calls and other calls that are not about one secret.
 */
public final class RegionArn {
    private RegionArn() {}

    static final String PREFIX = "arn:kinko:kinko:";

    public static String of(String region) {
        return PREFIX + region + ":" + SecretArn.ACCOUNT + ":region";
    }
}
