package dev.kinko.server.rotation;

import dev.kinko.server.domain.PasswordGenerator;
import java.util.List;
import java.util.Optional;

/** RotationContexts for rotator tests: AWS's default password options unless a test sets others. */
public final class RotationContexts {
    public static final PasswordGenerator.Options DEFAULT_OPTIONS =
            new PasswordGenerator.Options(0, "", false, false, false, false, false, true);
    private static final PasswordGenerator PASSWORDS = new PasswordGenerator();
    private static final RotationContext.SecretLookup NO_SECRETS = id -> Optional.empty();

    private RotationContexts() {}

    public static RotationContext of(String current, String pending) {
        return of(current, pending, null, List.of(), NO_SECRETS);
    }

    public static RotationContext of(String current, String pending, String previous, List<String> earlierAttempts,
                                     RotationContext.SecretLookup lookup) {
        return new RotationContext("test-secret", current, pending, previous, earlierAttempts, DEFAULT_OPTIONS,
                PASSWORDS, lookup);
    }

    public static RotationContext withOptions(String current, PasswordGenerator.Options options) {
        return new RotationContext("test-secret", current, null, null, List.of(), options, PASSWORDS, NO_SECRETS);
    }
}
