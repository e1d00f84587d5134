package dev.kinko.server.rotation.postgres;

import dev.kinko.server.rotation.RotationException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import org.postgresql.Driver;

/**
 * Logging in to the server a secret names. A refused login (wrong password, no such role) is an
 * answer the rotators act on; any other failure (unreachable, timeout, no such database) stops
 * the step. Errors carry the SQLState, not the driver's message, and never a password.
 */
final class PostgresSessions {
    /** The driver itself, not DriverManager: no other registered driver gets the credentials. */
    private static final Driver DRIVER = new Driver();
    /** SQLSTATE class 28, invalid authorization specification: 28P01 wrong password, 28000 no such role. */
    private static final String AUTHORIZATION_CLASS = "28";

    private PostgresSessions() {}

    /** A session as the secret's user, or empty when the server refuses its credentials. */
    static Optional<Connection> tryOpen(PostgresSecret secret, String step) throws RotationException {
        try {
            Connection c = DRIVER.connect(secret.jdbcUrl(), secret.connectionProperties());
            if (c == null) {
                throw new RotationException(step + ": the PostgreSQL driver does not accept the URL for " + secret);
            }
            return Optional.of(c);
        } catch (SQLException e) {
            if (refused(e)) {
                return Optional.empty();
            }
            throw new RotationException(step + ": cannot connect to " + secret.host() + ":" + secret.port() + "/"
                    + secret.dbname() + " as user " + secret.username() + " (" + describe(e) + ")");
        }
    }

    /** A session as the secret's user; a refused login fails the step, naming {@code what} (e.g. "PENDING"). */
    static Connection open(PostgresSecret secret, String step, String what) throws RotationException {
        return tryOpen(secret, step).orElseThrow(() -> new RotationException(step + ": " + what
                + " does not log in as user " + secret.username() + " on " + secret.host() + ":" + secret.port()));
    }

    static boolean logsIn(PostgresSecret secret, String step) throws RotationException {
        Optional<Connection> c = tryOpen(secret, step);
        c.ifPresent(PostgresSessions::closeQuietly);
        return c.isPresent();
    }

    /** testSecret of both PostgreSQL rotators: PENDING logs in and can run a query. */
    static void selectOne(PostgresSecret secret, String step, String what) throws RotationException {
        try (Connection c = open(secret, step, what);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT 1")) {
            if (!rs.next() || rs.getInt(1) != 1) {
                throw new RotationException(step + ": SELECT 1 as user " + secret.username() + " returned no 1");
            }
        } catch (SQLException e) {
            throw new RotationException(step + ": SELECT 1 as user " + secret.username() + " failed ("
                    + describe(e) + ")");
        }
    }

    /** Runs a statement that holds a password: on failure, only what and the SQLState are reported. */
    static void execute(Connection c, String sql, String step, String what) throws RotationException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new RotationException(step + ": " + what + " failed (" + describe(e) + ")");
        }
    }

    /**
     * Sets a role's password hashed here (SCRAM-SHA-256), so the statement the server runs, and any
     * log of it (log_statement=ddl), holds a verifier and never the password.
     */
    static void setPassword(Connection c, String user, String password, String step) throws RotationException {
        char[] chars = password.toCharArray();
        try {
            c.unwrap(org.postgresql.PGConnection.class).alterUserPassword(user, chars, SCRAM);
        } catch (SQLException e) {
            throw new RotationException(step + ": setting the password of user " + user + " failed (" + describe(e) + ")");
        } finally {
            java.util.Arrays.fill(chars, '\0');
        }
    }

    /** The password encryption Kinko asks for: PostgreSQL's default since 14, and the only safe one. */
    static final String SCRAM = "scram-sha-256";

    /** "SQLState 08001, ConnectException": the kind of failure, never a message that might quote SQL. */
    static String describe(SQLException e) {
        String state = e.getSQLState() == null ? "no SQLState" : "SQLState " + e.getSQLState();
        Throwable cause = e.getCause();
        return cause == null ? state : state + ", " + cause.getClass().getSimpleName();
    }

    static boolean refused(SQLException e) {
        return e.getSQLState() != null && e.getSQLState().startsWith(AUTHORIZATION_CLASS);
    }

    static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            // the step's outcome is known; a failed close changes nothing
        }
    }
}
