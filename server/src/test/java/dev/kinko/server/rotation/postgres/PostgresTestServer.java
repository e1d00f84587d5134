package dev.kinko.server.rotation.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * A real PostgreSQL (zonky's embedded binaries) for the rotation tests (the server's, and the
 * client's and the example rotator's through the server's test jar).
 *
 * <p>zonky's initdb trusts every local login; this server checks passwords (scram-sha-256) for
 * every role but the bootstrap superuser "postgres", which the tests use to set roles up, so a
 * test can see an old password refused.
 *
 * <p>As root (CI, these machines), PostgreSQL refuses to start; zonky then runs initdb and
 * postgres under {@code unshare -U}, a user namespace in which the process is not uid 0. That
 * needs user namespaces; where they are blocked (e.g. Docker's default seccomp profile) the start
 * fails, and {@link #start} says so.
 */
public final class PostgresTestServer implements AutoCloseable {
    public static final String SUPERUSER = "postgres";
    /** SQLSTATE invalid_password: the server refused the password. */
    public static final String INVALID_PASSWORD = "28P01";
    private static final String HBA = String.join("\n",
            "local all " + SUPERUSER + " trust",
            "host all " + SUPERUSER + " 127.0.0.1/32 trust",
            "host all " + SUPERUSER + " ::1/128 trust",
            "local all all scram-sha-256",
            "host all all 127.0.0.1/32 scram-sha-256",
            "host all all ::1/128 scram-sha-256", "");

    private final EmbeddedPostgres pg;

    private PostgresTestServer(EmbeddedPostgres pg) {
        this.pg = pg;
    }

    public static PostgresTestServer start() throws IOException {
        try {
            return new PostgresTestServer(EmbeddedPostgres.builder()
                    .setDataDirectoryCustomizer(dir -> writeHba(dir.toPath().resolve("pg_hba.conf")))
                    .start());
        } catch (IOException | RuntimeException e) {
            if ("root".equals(System.getProperty("user.name"))) {
                throw new IOException("embedded PostgreSQL did not start. As root, zonky runs it under `unshare -U`:"
                        + " check that `unshare -U id -u` prints a uid other than 0 (user namespaces allowed)", e);
            }
            throw e;
        }
    }

    public int port() {
        return pg.getPort();
    }

    /** Runs statements as the superuser. */
    public void sql(String... statements) throws SQLException {
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }

    /** A PostgreSQL secret for this server. */
    public String secret(String username, String password) {
        return secret(username, password, "");
    }

    /** A PostgreSQL secret for this server, with more fields ({@code ,"masterarn":"..."}). */
    public String secret(String username, String password, String moreFields) {
        return "{\"engine\":\"postgres\",\"host\":\"localhost\",\"port\":" + port() + ",\"username\":"
                + jsonString(username) + ",\"password\":" + jsonString(password) + ",\"dbname\":\"postgres\""
                + moreFields + "}";
    }

    /** Logs in as {@code username}: null when that works, else the SQLState of the refusal (28P01: wrong password). */
    public String loginError(String username, String password) {
        Properties p = new Properties();
        p.setProperty("user", username);
        p.setProperty("password", password);
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + port() + "/postgres", p)) {
            return null;
        } catch (SQLException e) {
            return e.getSQLState();
        }
    }

    /** Runs a query as {@code username}; returns its first column of the first row. */
    String queryAs(String username, String password, String query) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", username);
        p.setProperty("password", password);
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + port() + "/postgres", p);
             var rs = c.createStatement().executeQuery(query)) {
            rs.next();
            return rs.getString(1);
        }
    }

    public static String literal(String s) {
        // the tests' own passwords, to create roles with (the rotators set theirs hashed, never as a literal)
        return "'" + s.replace("'", "''") + "'";
    }

    static String identifier(String s) {
        return PostgresSql.identifier(s);
    }

    @Override
    public void close() throws IOException {
        pg.close();
    }

    private static String jsonString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static void writeHba(Path file) {
        try {
            Files.writeString(file, HBA);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
