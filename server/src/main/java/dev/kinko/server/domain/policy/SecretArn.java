package dev.kinko.server.domain.policy;

/**
 * A secret's ARN as policies see it: {@code arn:kinko:secretsmanager:<region>:000000000000:secret:<name>}.
 * Unlike AWS there is no random suffix and one fixed account, so a policy can name a secret exactly.
 * The region is the one serving the request (a replica's ARN names the replica region).
 */
public final class SecretArn {
    private SecretArn() {}

    /** Kinko has no accounts; every ARN carries this one. */
    public static final String ACCOUNT = "000000000000";
    static final String PREFIX = "arn:kinko:secretsmanager:";

    public static String of(String region, String name) {
        return PREFIX + region + ":" + ACCOUNT + ":secret:" + name;
    }
}
