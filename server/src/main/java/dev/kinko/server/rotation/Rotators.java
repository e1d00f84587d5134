package dev.kinko.server.rotation;

import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.rotation.postgres.PostgresAlternatingUsersRotator;
import dev.kinko.server.rotation.postgres.PostgresSingleUserRotator;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Rotator names: the built-ins, and {@code external:NAME} (a rotator outside the server, which
 * the server runs elsewhere, so it has no {@link Rotator} here).
 */
public final class Rotators {
    public static final String EXTERNAL_PREFIX = "external:";
    public static final int MAX_EXTERNAL_NAME_LENGTH = 64;
    private static final Pattern EXTERNAL_NAME = Pattern.compile("[A-Za-z0-9_-]{1," + MAX_EXTERNAL_NAME_LENGTH + "}");
    /** How much of an unknown name an error quotes (names are not secret, but may be long). */
    private static final int QUOTED_NAME_LENGTH = 100;

    // stateless, so one instance of each serves every rotation
    private static final Map<String, Rotator> BUILT_IN = Map.of(
            PasswordRotator.NAME, new PasswordRotator(),
            PostgresSingleUserRotator.NAME, new PostgresSingleUserRotator(),
            PostgresAlternatingUsersRotator.NAME, new PostgresAlternatingUsersRotator());

    private Rotators() {}

    /** The built-in rotator of that name; empty for external:NAME; UNKNOWN_ROTATOR for anything else. */
    public static Optional<Rotator> resolve(String name) {
        checkName(name);
        return Optional.ofNullable(BUILT_IN.get(name));
    }

    public static boolean isExternal(String name) {
        return name != null && name.startsWith(EXTERNAL_PREFIX);
    }

    /** NAME of external:NAME. */
    public static String externalName(String name) {
        if (!isExternal(name)) {
            throw new IllegalArgumentException("not an external rotator name");
        }
        return name.substring(EXTERNAL_PREFIX.length());
    }

    /** Refuses (UNKNOWN_ROTATOR) a name that is neither a built-in nor external:NAME with a valid NAME. */
    public static void checkName(String name) {
        if (name != null && (BUILT_IN.containsKey(name)
                || isExternal(name) && EXTERNAL_NAME.matcher(externalName(name)).matches())) {
            return;
        }
        throw new KinkoException(Reason.UNKNOWN_ROTATOR, "unknown rotator " + quote(name) + ": use "
                + PasswordRotator.NAME + ", " + PostgresSingleUserRotator.NAME + ", "
                + PostgresAlternatingUsersRotator.NAME + " or " + EXTERNAL_PREFIX + "NAME (NAME: 1-"
                + MAX_EXTERNAL_NAME_LENGTH + " letters, digits, '-' or '_')");
    }

    private static String quote(String name) {
        if (name == null) {
            return "(none)";
        }
        return name.length() <= QUOTED_NAME_LENGTH ? "\"" + name + "\""
                : "\"" + name.substring(0, QUOTED_NAME_LENGTH) + "...\"";
    }
}
