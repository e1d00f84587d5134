package dev.kinko.server.rotation.postgres;

/**
 * The statements that set passwords. ALTER/CREATE ROLE take no bind parameters, so names and
 * passwords are quoted here; the statements hold a password, so they are never logged and an
 * error about one reports only its SQLState (a syntax error would quote the text).
 *
 * <p>Passwords themselves are set with the driver's alterUserPassword, which sends a SCRAM
 * verifier, never the password (see PostgresSessions.setPassword).
 */
final class PostgresSql {
    private PostgresSql() {}

    /** A name as a quoted identifier: in double quotes, inner double quotes doubled. */
    static String identifier(String name) {
        requireNoNul(name);
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** A login role without a password yet (PostgresSessions.setPassword sets it, hashed). */
    static String createLoginRole(String user) {
        return "CREATE ROLE " + identifier(user) + " WITH LOGIN";
    }

    /** Makes {@code member} a member of {@code role}, so it has role's privileges. */
    static String grantRole(String role, String member) {
        return "GRANT " + identifier(role) + " TO " + identifier(member);
    }

    private static void requireNoNul(String s) {
        // PostgreSQL text cannot hold NUL; PostgresSecret refuses such values before they get here
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("NUL in a PostgreSQL name or literal");
        }
    }
}
