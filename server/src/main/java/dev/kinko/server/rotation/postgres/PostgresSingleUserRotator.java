package dev.kinko.server.rotation.postgres;

import dev.kinko.server.rotation.RotationContext;
import dev.kinko.server.rotation.RotationException;
import dev.kinko.server.rotation.Rotator;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code postgresql-single-user}: the secret's user changes its own password. While the new
 * password is set and CURRENT not yet moved, clients holding CURRENT are refused; the alternating
 * users rotator avoids that gap.
 */
public final class PostgresSingleUserRotator implements Rotator {
    public static final String NAME = "postgresql-single-user";
    /** AWS's exclusions: characters that break connection strings and URIs, or quoting in clients. */
    public static final String FORBIDDEN = ":/@\"'\\";

    @Override
    public String newValue(RotationContext context) throws RotationException {
        PostgresSecret current = PostgresSecret.parse(context.current(), "CURRENT");
        return current.withPassword(context.newPassword(FORBIDDEN));
    }

    @Override
    public void setSecret(RotationContext context) throws RotationException {
        String step = "setSecret";
        PostgresSecret current = PostgresSecret.parse(context.current(), "CURRENT");
        PostgresSecret pending = PostgresSecret.parse(context.pending(), "PENDING");
        requireSameUser(current, pending, step);
        if (PostgresSessions.logsIn(pending, step)) {
            return; // an earlier run of this step got as far as the database
        }
        for (String password : fallbackPasswords(context, pending)) {
            PostgresSecret attempt = pending.as(new PostgresSecret.Login(pending.username(), password));
            Optional<Connection> session = PostgresSessions.tryOpen(attempt, step);
            if (session.isPresent()) {
                try (Connection c = session.get()) {
                    PostgresSessions.setPassword(c, pending.username(), pending.password(), step);
                } catch (SQLException e) {
                    // only close() throws here: the password is set
                }
                return;
            }
        }
        throw new RotationException(step + ": none of PENDING, CURRENT, PREVIOUS or an earlier attempt's password"
                + " logs in as user " + pending.username());
    }

    @Override
    public void testSecret(RotationContext context) throws RotationException {
        PostgresSessions.selectOne(PostgresSecret.parse(context.pending(), "PENDING"), "testSecret", "PENDING");
    }

    @Override
    public void checkSetup(RotationContext context) throws RotationException {
        PostgresSecret current = PostgresSecret.parse(context.current(), "CURRENT");
        PostgresSessions.closeQuietly(PostgresSessions.open(current, "checkSetup", "CURRENT"));
    }

    /**
     * The passwords the database may still hold, in the order most likely: CURRENT, PREVIOUS, then
     * earlier attempts newest first (an attempt that changed the database but failed before the
     * labels moved). Values that do not parse are skipped: they are only guesses.
     */
    private static List<String> fallbackPasswords(RotationContext context, PostgresSecret pending) {
        List<String> values = new ArrayList<>();
        values.add(context.current());
        values.add(context.previous());
        if (context.earlierAttempts() != null) {
            values.addAll(context.earlierAttempts());
        }
        Set<String> passwords = new LinkedHashSet<>();
        for (String value : values) {
            try {
                if (value != null) {
                    passwords.add(PostgresSecret.parseLogin(value, "an earlier value").password());
                }
            } catch (RotationException e) {
                // not a PostgreSQL secret: nothing to try
            }
        }
        passwords.remove(pending.password());
        return new ArrayList<>(passwords);
    }

    private static void requireSameUser(PostgresSecret current, PostgresSecret pending, String step)
            throws RotationException {
        if (!pending.username().equals(current.username()) || !pending.sameServer(current)) {
            throw new RotationException(step + ": PENDING (" + pending + ") must name the same user and server as"
                    + " CURRENT (" + current + ") for " + NAME);
        }
    }
}
