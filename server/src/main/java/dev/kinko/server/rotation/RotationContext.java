package dev.kinko.server.rotation;

import dev.kinko.server.domain.PasswordGenerator;
import java.util.List;
import java.util.Optional;

/**
 * What a step of a built-in rotator sees: the secret's values by label (as UTF-8 strings; null
 * when no version carries the label), the values earlier attempts of this rotation created, the
 * password options stored with the rotation, and a way to read another secret's CURRENT value
 * (the superuser secret of postgresql-alternating-users).
 */
public record RotationContext(String secretName, String current, String pending, String previous,
                              List<String> earlierAttempts, PasswordGenerator.Options passwordOptions,
                              PasswordGenerator passwords, SecretLookup lookup) {

    /** Reads the CURRENT value of another secret of this region, by name, id or ARN. */
    @FunctionalInterface
    public interface SecretLookup {
        Optional<String> current(String nameOrArn) throws RotationException;
    }

    /** A fresh password with the rotation's options, and never one of {@code forbidden} characters. */
    public String newPassword(String forbidden) {
        PasswordGenerator.Options o = passwordOptions;
        String exclude = o.excludeCharacters() + forbidden;
        return passwords.generate(new PasswordGenerator.Options(o.length(), exclude, o.excludeNumbers(),
                o.excludePunctuation(), o.excludeUppercase(), o.excludeLowercase(), o.includeSpace(),
                o.requireEachIncludedType()));
    }
}
