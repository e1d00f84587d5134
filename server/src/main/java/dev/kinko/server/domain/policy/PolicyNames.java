package dev.kinko.server.domain.policy;

import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.domain.Reason;
import java.util.regex.Pattern;

/** The rule for a stored policy's name (AWS IAM's: letters, digits and +=,.@_-). */
public final class PolicyNames {
    private PolicyNames() {}

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9+=,.@_-]+");

    public static void validate(String name) {
        if (name.isEmpty() || name.length() > Limits.MAX_POLICY_NAME_LENGTH) {
            throw new KinkoException(Reason.MALFORMED_POLICY, "a policy name must be 1-"
                    + Limits.MAX_POLICY_NAME_LENGTH + " characters long, got " + name.length());
        }
        if (!NAME.matcher(name).matches()) {
            throw new KinkoException(Reason.MALFORMED_POLICY,
                    "a policy name may hold only letters, digits and +=,.@_-");
        }
    }
}
