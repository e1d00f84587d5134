package dev.kinko.client.jdbc;

import dev.kinko.client.KinkoException;
import dev.kinko.client.SecretCache;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A {@link DataSource} whose user name and password come from a Kinko secret, read through a
 * {@link SecretCache}, as the AWS Secrets Manager JDBC wrapper does it.
 *
 * <p>The secret holds AWS's JSON for a database: {@code engine, host, port, username, password,
 * dbname}. The URL is {@code jdbc:postgresql://host:port/dbname} unless one is given (then only
 * the user name and password are taken from the secret, and any engine works).
 *
 * <p>When the database refuses the login (SQLState class 28: 28P01 wrong password, 28000 no
 * such role), the secret was probably rotated since the cache read it: the data source reads it
 * again at once ({@link SecretCache#refreshNow}) and tries once more with the new value. Any
 * other failure, and the second attempt's, is thrown as the driver threw it.
 *
 * <p>The driver is the application's: one given to {@link Builder#driver}, else whichever
 * {@link DriverManager} finds for the URL. The password is passed as a connection property,
 * never in the URL, and appears in no message this class makes.
 */
public final class SecretDataSource implements DataSource {
    /** SQLSTATE class 28, invalid authorization specification. */
    static final String AUTHENTICATION_CLASS = "28";

    private final SecretCache cache;
    private final String secretName;
    private final String url;
    private final Driver driver;
    private final Properties properties;
    private final AtomicLong refreshesAfterRefusal = new AtomicLong();
    private volatile PrintWriter logWriter;

    private SecretDataSource(Builder b) {
        this.cache = b.cache;
        this.secretName = b.secretName;
        this.url = b.url;
        this.driver = b.driver;
        this.properties = b.properties;
    }

    /** A data source for the database secret {@code secretName}, read through {@code cache}. */
    public static Builder builder(SecretCache cache, String secretName) {
        return new Builder(cache, secretName);
    }

    public static final class Builder {
        private final SecretCache cache;
        private final String secretName;
        private String url;
        private Driver driver;
        private final Properties properties = new Properties();

        private Builder(SecretCache cache, String secretName) {
            this.cache = Objects.requireNonNull(cache, "cache");
            this.secretName = Objects.requireNonNull(secretName, "secretName");
        }

        /** The JDBC URL to use instead of the one made from the secret's host, port and dbname. */
        public Builder url(String url) {
            this.url = Objects.requireNonNull(url, "url");
            return this;
        }

        /** The driver to connect with, instead of asking {@link DriverManager}. */
        public Builder driver(Driver driver) {
            this.driver = Objects.requireNonNull(driver, "driver");
            return this;
        }

        /** More connection properties (timeouts, TLS, ...); "user" and "password" come from the secret. */
        public Builder properties(Properties more) {
            more.forEach(properties::put);
            return this;
        }

        public SecretDataSource build() {
            return new SecretDataSource(this);
        }
    }

    /** The name of the secret the credentials come from. */
    public String secretName() {
        return secretName;
    }

    /** How many times a refused login made this data source read the secret again. */
    public long refreshesAfterRefusal() {
        return refreshesAfterRefusal.get();
    }

    /**
     * A connection as the secret's user. A refused login reads the secret again and tries once
     * more; a secret that cannot be read fails with an SQLException whose cause is the client's
     * {@link KinkoException}.
     */
    @Override
    public Connection getConnection() throws SQLException {
        String value;
        try {
            value = cache.getSecretString(secretName);
        } catch (KinkoException e) {
            // the client's messages never carry a value
            throw new SQLException("cannot read secret " + secretName + ": " + e.getMessage(), e);
        }
        try {
            return connect(value);
        } catch (SQLException refused) {
            if (!authenticationFailure(refused)) {
                throw refused;
            }
            refreshesAfterRefusal.incrementAndGet();
            String fresh;
            try {
                fresh = cache.refreshNow(secretName);
            } catch (KinkoException e) {
                refused.addSuppressed(e); // the refusal is what the caller needs to see first
                throw refused;
            }
            return connect(fresh);
        }
    }

    /** Not supported: the credentials come from the secret. */
    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("the credentials come from secret " + secretName);
    }

    private Connection connect(String value) throws SQLException {
        DatabaseSecret secret = DatabaseSecret.parse(secretName, value);
        String target = url != null ? url : secret.postgresUrl();
        Properties p = new Properties();
        properties.forEach(p::put);
        p.setProperty("user", secret.username());
        p.setProperty("password", secret.password());
        if (driver == null) {
            return DriverManager.getConnection(target, p);
        }
        Connection c = driver.connect(target, p);
        if (c == null) {
            throw new SQLException("the driver does not accept the URL of secret " + secretName, "08001");
        }
        return c;
    }

    /** SQLState class 28 on the exception or on an SQLException it wraps (a pool may wrap the driver's). */
    static boolean authenticationFailure(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null && s.getSQLState().startsWith(AUTHENTICATION_CLASS)) {
                return true;
            }
        }
        return false;
    }

    // ---- the rest of DataSource --------------------------------------------------------------

    @Override
    public PrintWriter getLogWriter() {
        return logWriter;
    }

    /** Kept as DataSource requires; this class writes nothing to it. */
    @Override
    public void setLogWriter(PrintWriter out) {
        this.logWriter = out;
    }

    /** Not supported: give the driver's own timeout property with {@link Builder#properties}. */
    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        throw new SQLFeatureNotSupportedException("give the driver's timeout in the data source's properties");
    }

    /** 0: the driver's own default (or the timeout given in the properties). */
    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("SecretDataSource does not log");
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("SecretDataSource is not a " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    @Override
    public String toString() {
        return "SecretDataSource[" + secretName + "]"; // not the URL: a caller's URL may hold credentials
    }
}
