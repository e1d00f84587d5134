package dev.kinko.server.rotation.postgres;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kinko.server.rotation.RotationException;
import dev.kinko.server.rotation.SecretJson;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;
import org.postgresql.PGProperty;

/**
 * A PostgreSQL secret in AWS's shape: {"engine":"postgres","host":..,"port":5432,"username":..,
 * "password":..,"dbname":..}, plus "masterarn" or "master_secret" for alternating users. Errors
 * name the field that is wrong and never quote the password.
 */
public final class PostgresSecret {
    public static final int DEFAULT_PORT = 5432;
    public static final String DEFAULT_DBNAME = "postgres";
    public static final Set<String> ENGINES = Set.of("postgres", "postgresql");
    /** PostgreSQL cuts longer names (NAMEDATALEN - 1), so a longer user name would name another role. */
    public static final int MAX_NAME_BYTES = 63;
    public static final int CONNECT_TIMEOUT_SECONDS = 10;
    public static final int LOGIN_TIMEOUT_SECONDS = 10;
    /** No statement a rotator runs takes long; a hung server must not hang the rotation. */
    public static final int SOCKET_TIMEOUT_SECONDS = 30;
    static final String APPLICATION_NAME = "kinko-rotation";

    static final String ENGINE = "engine";
    static final String HOST = "host";
    static final String PORT = "port";
    static final String USERNAME = "username";
    static final String PASSWORD = "password";
    static final String DBNAME = "dbname";
    static final String MASTER_ARN = "masterarn";
    static final String MASTER_SECRET = "master_secret";

    /*
     * A host name or an IP address, nothing else: the host goes into the JDBC URL, and a secret
     * must not be able to add URL parameters (pgjdbc's socketFactory and sslfactory load classes).
     */
    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?");
    private static final Pattern IPV6 = Pattern.compile("\\[[0-9A-Fa-f:.]+]|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*");
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,5}");
    private static final int MAX_PORT = 65_535;

    private final ObjectNode json;
    private final String host;
    private final int port;
    private final String dbname;
    private final String username;
    private final String password;
    private final String masterSecretId;

    private PostgresSecret(ObjectNode json, String host, int port, String dbname, String username, String password,
                           String masterSecretId) {
        this.json = json;
        this.host = host;
        this.port = port;
        this.dbname = dbname;
        this.username = username;
        this.password = password;
        this.masterSecretId = masterSecretId;
    }

    /** Parses and checks {@code value}; {@code what} names it in errors ("CURRENT", "the master secret"). */
    public static PostgresSecret parse(String value, String what) throws RotationException {
        ObjectNode json = object(value, what);
        JsonNode engine = json.get(ENGINE);
        if (engine != null && !(engine.isTextual() && ENGINES.contains(engine.asText()))) {
            throw new RotationException(what + ": field \"engine\" must be \"postgres\" or \"postgresql\"");
        }
        String host = text(json, HOST, what);
        if (!HOST_NAME.matcher(host).matches() && !IPV6.matcher(host).matches()) {
            throw new RotationException(what + ": field \"host\" is not a host name or an IP address");
        }
        String dbname = json.has(DBNAME) ? text(json, DBNAME, what) : DEFAULT_DBNAME;
        return new PostgresSecret(json, host, port(json, what), dbname, username(json, what), password(json, what),
                masterSecretId(json, what));
    }

    /**
     * Only the user name and password of {@code value} (the master secret needs no more: the
     * rotator connects to the rotated secret's server), checked as {@link #parse} checks them.
     */
    public static Login parseLogin(String value, String what) throws RotationException {
        ObjectNode json = object(value, what);
        return new Login(username(json, what), password(json, what));
    }

    /** A user name and its password; toString leaves the password out. */
    public record Login(String username, String password) {
        @Override
        public String toString() {
            return "Login[" + username + "]";
        }
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String dbname() {
        return dbname;
    }

    public String username() {
        return username;
    }

    public String password() {
        return password;
    }

    /** The superuser secret's ARN or name ("masterarn" first, then "master_secret"). */
    public Optional<String> masterSecretId() {
        return Optional.ofNullable(masterSecretId);
    }

    /** This value with another password, every other field kept, as JSON. */
    public String withPassword(String newPassword) {
        return SecretJson.with(json, PASSWORD, newPassword);
    }

    /** This value with another user name, every other field kept, as JSON. */
    public String withUsername(String newUsername) {
        return SecretJson.with(json, USERNAME, newUsername);
    }

    /** This value with another user name and password, every other field kept, as JSON. */
    public String withLogin(String newUsername, String newPassword) {
        ObjectNode copy = json.deepCopy();
        copy.put(USERNAME, newUsername);
        copy.put(PASSWORD, newPassword);
        return SecretJson.write(copy);
    }

    /** The same server and database (and other fields), logging in as {@code login}. */
    public PostgresSecret as(Login login) {
        ObjectNode copy = json.deepCopy();
        copy.put(USERNAME, login.username());
        copy.put(PASSWORD, login.password());
        return new PostgresSecret(copy, host, port, dbname, login.username(), login.password(), masterSecretId);
    }

    public boolean sameServer(PostgresSecret other) {
        return host.equals(other.host) && port == other.port && dbname.equals(other.dbname);
    }

    /** jdbc:postgresql://host:port/dbname; credentials and timeouts go in {@link #connectionProperties}. */
    public String jdbcUrl() {
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        // pgjdbc URL-decodes the database name
        return "jdbc:postgresql://" + h + ":" + port + "/" + URLEncoder.encode(dbname, StandardCharsets.UTF_8);
    }

    /** User and password (never in the URL, which may be logged), and the timeouts. */
    public Properties connectionProperties() {
        Properties p = new Properties();
        PGProperty.USER.set(p, username);
        PGProperty.PASSWORD.set(p, password);
        PGProperty.CONNECT_TIMEOUT.set(p, CONNECT_TIMEOUT_SECONDS);
        PGProperty.LOGIN_TIMEOUT.set(p, LOGIN_TIMEOUT_SECONDS);
        PGProperty.SOCKET_TIMEOUT.set(p, SOCKET_TIMEOUT_SECONDS);
        PGProperty.APPLICATION_NAME.set(p, APPLICATION_NAME);
        return p;
    }

    /** user@host:port/dbname, never the password. */
    @Override
    public String toString() {
        return username + "@" + host + ":" + port + "/" + dbname;
    }

    private static ObjectNode object(String value, String what) throws RotationException {
        if (value == null) {
            throw new RotationException("the secret has no " + what + " value");
        }
        return SecretJson.parseObject(value).orElseThrow(() -> new RotationException(what
                + ": the value is not a JSON object (a PostgreSQL secret needs host, port, username, password)"));
    }

    private static String username(ObjectNode json, String what) throws RotationException {
        String username = text(json, USERNAME, what);
        if (username.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES || username.indexOf('\0') >= 0) {
            throw new RotationException(what + ": field \"username\" must be at most " + MAX_NAME_BYTES
                    + " bytes without NUL (PostgreSQL's limit for names)");
        }
        return username;
    }

    private static String password(ObjectNode json, String what) throws RotationException {
        String password = text(json, PASSWORD, what);
        if (password.indexOf('\0') >= 0) {
            throw new RotationException(what + ": field \"password\" holds a NUL character, which PostgreSQL refuses");
        }
        return password;
    }

    private static int port(ObjectNode json, String what) throws RotationException {
        JsonNode node = json.get(PORT);
        if (node == null) {
            return DEFAULT_PORT;
        }
        int port = -1;
        if (node.isIntegralNumber() && node.canConvertToInt()) {
            port = node.intValue();
        } else if (node.isTextual() && DIGITS.matcher(node.asText()).matches()) {
            port = Integer.parseInt(node.asText());
        }
        if (port < 1 || port > MAX_PORT) {
            throw new RotationException(what + ": field \"port\" must be a port number (1-" + MAX_PORT + ")");
        }
        return port;
    }

    private static String masterSecretId(ObjectNode json, String what) throws RotationException {
        for (String field : new String[] {MASTER_ARN, MASTER_SECRET}) {
            if (json.has(field)) {
                return text(json, field, what);
            }
        }
        return null;
    }

    /** A field that must be a non-empty string; the message names the field, never its value. */
    private static String text(ObjectNode json, String field, String what) throws RotationException {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) {
            throw new RotationException(what + ": field \"" + field + "\" is missing");
        }
        if (!node.isTextual() || node.asText().isEmpty()) {
            throw new RotationException(what + ": field \"" + field + "\" must be a non-empty string");
        }
        return node.asText();
    }
}
