package dev.kinko.server.rotation.postgres;

import dev.kinko.server.rotation.RotationContext;
import dev.kinko.server.rotation.RotationException;
import dev.kinko.server.rotation.Rotator;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * {@code postgresql-alternating-users}: each rotation sets the password of the other of two
 * users (NAME and NAME_clone), using a superuser secret, so CURRENT keeps working until clients
 * move to the new value. The clone is created on first use as a member of the original user,
 * so it has the same privileges (AWS's approach).
 */
public final class PostgresAlternatingUsersRotator implements Rotator {
    public static final String NAME = "postgresql-alternating-users";
    public static final String CLONE_SUFFIX = "_clone";

    @Override
    public String newValue(RotationContext context) throws RotationException {
        PostgresSecret current = PostgresSecret.parse(context.current(), "CURRENT");
        masterSecretId(current, "createSecret");
        String next = alternate(current.username());
        if (next.getBytes(StandardCharsets.UTF_8).length > PostgresSecret.MAX_NAME_BYTES) {
            throw new RotationException("createSecret: the user name " + next + " would be longer than PostgreSQL's "
                    + PostgresSecret.MAX_NAME_BYTES + "-byte limit for names");
        }
        return current.withLogin(next, context.newPassword(PostgresSingleUserRotator.FORBIDDEN));
    }

    @Override
    public void setSecret(RotationContext context) throws RotationException {
        String step = "setSecret";
        PostgresSecret current = PostgresSecret.parse(context.current(), "CURRENT");
        PostgresSecret pending = PostgresSecret.parse(context.pending(), "PENDING");
        if (!pending.username().equals(alternate(current.username())) || !pending.sameServer(current)) {
            throw new RotationException(step + ": PENDING (" + pending + ") must name the server of CURRENT ("
                    + current + ") and the user " + alternate(current.username()));
        }
        if (PostgresSessions.logsIn(pending, step)) {
            return; // an earlier run of this step got as far as the database
        }
        try (Connection c = masterSession(context, current, step)) {
            c.setAutoCommit(false); // the new role and its grant together, or neither
            if (roleExists(c, pending.username())) {
                PostgresSessions.setPassword(c, pending.username(), pending.password(), step);
            } else {
                PostgresSessions.execute(c, PostgresSql.createLoginRole(pending.username()), step,
                        "CREATE ROLE " + pending.username() + " WITH LOGIN");
                PostgresSessions.setPassword(c, pending.username(), pending.password(), step);
                PostgresSessions.execute(c, PostgresSql.grantRole(current.username(), pending.username()), step,
                        "GRANT " + current.username() + " TO " + pending.username());
            }
            c.commit();
        } catch (SQLException e) {
            throw new RotationException(step + ": the master secret's session failed ("
                    + PostgresSessions.describe(e) + ")");
        }
    }

    @Override
    public void testSecret(RotationContext context) throws RotationException {
        PostgresSessions.selectOne(PostgresSecret.parse(context.pending(), "PENDING"), "testSecret", "PENDING");
    }

    @Override
    public void checkSetup(RotationContext context) throws RotationException {
        PostgresSecret current = PostgresSecret.parse(context.current(), "CURRENT");
        PostgresSessions.closeQuietly(masterSession(context, current, "checkSetup"));
    }

    @Override
    public java.util.Optional<String> otherSecret(RotationContext context) throws RotationException {
        return java.util.Optional.of(masterSecretId(PostgresSecret.parse(context.current(), "CURRENT"), "RotateSecret"));
    }

    /** NAME_clone for NAME, and NAME for NAME_clone. */
    static String alternate(String username) {
        return username.endsWith(CLONE_SUFFIX) && username.length() > CLONE_SUFFIX.length()
                ? username.substring(0, username.length() - CLONE_SUFFIX.length())
                : username + CLONE_SUFFIX;
    }

    /** A session as the master secret's user, on CURRENT's server and database. */
    private static Connection masterSession(RotationContext context, PostgresSecret current, String step)
            throws RotationException {
        String id = masterSecretId(current, step);
        String value = context.lookup().current(id).orElseThrow(() -> new RotationException(step
                + ": the master secret " + id + " does not exist or has no CURRENT value"));
        PostgresSecret master = PostgresSecret.parse(value, step + ": the master secret " + id);
        if (!master.host().equalsIgnoreCase(current.host()) || master.port() != current.port()) {
            // as AWS's rotation functions do: the master's password goes only to the master's own server
            throw new RotationException(step + ": the master secret " + id + " is for " + master.host() + ":"
                    + master.port() + ", not CURRENT's server " + current.host() + ":" + current.port());
        }
        return PostgresSessions.open(current.as(new PostgresSecret.Login(master.username(), master.password())), step,
                "the master secret " + id);
    }

    private static String masterSecretId(PostgresSecret current, String step) throws RotationException {
        return current.masterSecretId().orElseThrow(() -> new RotationException(step + ": CURRENT names no master"
                + " secret: " + NAME + " needs \"" + PostgresSecret.MASTER_ARN + "\" (an ARN) or \""
                + PostgresSecret.MASTER_SECRET + "\" (a name) of a secret whose user may create roles"));
    }

    private static boolean roleExists(Connection c, String role) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = ?")) {
            s.setString(1, role);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        }
    }
}
