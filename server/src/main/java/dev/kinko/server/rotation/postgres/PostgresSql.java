package dev.kinko.server.rotation.postgres;

/**
 * The statements that set passwords. ALTER/CREATE ROLE take no bind parameters, so names and
 * passwords are quoted here; the statements hold a password, so they are never logged and an
 * error about one reports only its SQLState (a syntax error would quote the text).
 *
 * <p>The password goes to the server in clear and the server hashes it with its own
 * password_encryption (scram-sha-256 by default), as AWS's rotation functions do.
 */
final class PostgresSql {
    private PostgresSql() {}

    /** A name as a quoted identifier: in double quotes, inner double quotes doubled. */
    static String identifier(String name) {
        requireNoNul(name);
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /**
     * A string literal: single quotes doubled; with a backslash, an E'' literal with backslashes
     * doubled too, so the result does not depend on standard_conforming_strings.
     */
    static String literal(String value) {
        requireNoNul(value);
        String quoted = value.replace("'", "''");
        if (value.indexOf('\\') < 0) {
            return "'" + quoted + "'";
        }
        return "E'" + quoted.replace("\\", "\\\\") + "'";
    }

    static String alterPassword(String user, String password) {
        return "ALTER USER " + identifier(user) + " WITH PASSWORD " + literal(password);
    }

    static String createLoginRole(String user, String password) {
        return "CREATE ROLE " + identifier(user) + " WITH LOGIN PASSWORD " + literal(password);
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
