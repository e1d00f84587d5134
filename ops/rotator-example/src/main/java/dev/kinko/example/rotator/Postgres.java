package dev.kinko.example.rotator;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.Properties;
import org.postgresql.Driver;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;

/**
 * Logging in to the database a secret names and changing a password there. A refused login is
 * an answer the steps act on; any other failure fails the step. Failures carry the SQLState,
 * never the driver's message.
 */
final class Postgres {
    /** The driver itself, not DriverManager: no other registered driver is handed the password. */
    private static final Driver DRIVER = new Driver();
    /** SQLSTATE class 28: invalid authorization (28P01 wrong password, 28000 no such role). */
    private static final String REFUSED = "28";

    private Postgres() {}

    /** A session as the secret's user, or empty when the server refuses its password. */
    static Optional<Connection> tryLogin(PostgresSecret secret, String step) throws StepFailure {
        Properties p = new Properties();
        PGProperty.USER.set(p, secret.username);
        PGProperty.PASSWORD.set(p, secret.password);
        PGProperty.CONNECT_TIMEOUT.set(p, 10);
        PGProperty.LOGIN_TIMEOUT.set(p, 10);
        PGProperty.SOCKET_TIMEOUT.set(p, 30); // a hung server must not hang the rotator
        PGProperty.APPLICATION_NAME.set(p, "kinko-rotator-example");
        try {
            Connection c = DRIVER.connect(secret.jdbcUrl(), p);
            if (c == null) {
                throw new StepFailure(step + ": the PostgreSQL driver does not take the URL for " + secret);
            }
            return Optional.of(c);
        } catch (SQLException e) {
            if (e.getSQLState() != null && e.getSQLState().startsWith(REFUSED)) {
                return Optional.empty();
            }
            throw new StepFailure(step + ": cannot connect to " + secret + " (" + describe(e) + ")");
        }
    }

    static boolean logsIn(PostgresSecret secret, String step) throws StepFailure {
        Optional<Connection> c = tryLogin(secret, step);
        c.ifPresent(Postgres::closeQuietly);
        return c.isPresent();
    }

    /**
     * Sets the user's password. pgjdbc hashes it here (SCRAM-SHA-256) and sends only the verifier,
     * so the password never reaches the server's statement log, unlike ALTER USER ... PASSWORD '...'.
     */
    static void setPassword(Connection c, String user, String password, String step) throws StepFailure {
        try {
            c.unwrap(PGConnection.class).alterUserPassword(user, password.toCharArray(), "scram-sha-256");
        } catch (SQLException e) {
            throw new StepFailure(step + ": ALTER USER " + user + " failed (" + describe(e) + ")");
        }
    }

    /** Logs in as the secret's user and runs SELECT 1. */
    static void selectOne(PostgresSecret secret, String step) throws StepFailure {
        Connection c = tryLogin(secret, step).orElseThrow(() ->
                new StepFailure(step + ": PENDING does not log in as " + secret));
        try (c; Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
            if (!rs.next() || rs.getInt(1) != 1) {
                throw new StepFailure(step + ": SELECT 1 as " + secret + " returned no 1");
            }
        } catch (SQLException e) {
            throw new StepFailure(step + ": SELECT 1 as " + secret + " failed (" + describe(e) + ")");
        }
    }

    static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            // nothing depends on a clean close
        }
    }

    /** "SQLState 28P01": the kind of failure, never a message that might quote a statement. */
    private static String describe(SQLException e) {
        return e.getSQLState() == null ? e.getClass().getSimpleName() : "SQLState " + e.getSQLState();
    }
}
