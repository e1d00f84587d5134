package dev.kinko.client.jdbc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A database secret in AWS's shape: {"engine":"postgres","host":..,"port":5432,"username":..,
 * "password":..,"dbname":..}; other fields are ignored. Errors name the secret and the field,
 * never a value; {@link #toString()} leaves the password out.
 */
final class DatabaseSecret {
    static final int DEFAULT_PORT = 5432;
    static final String DEFAULT_DBNAME = "postgres";
    static final Set<String> POSTGRES_ENGINES = Set.of("postgres", "postgresql");
    private static final JsonFactory JSON = new JsonFactory();
    /*
     * The host goes into the URL: a host name or an IP address, nothing else, so a secret cannot
     * add URL parameters (pgjdbc's socketFactory or sslfactory would load a class it names).
     */
    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?");
    private static final Pattern IPV6 = Pattern.compile("\\[[0-9A-Fa-f:.]+]|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*");
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,5}");

    private final String secretName;
    private final Map<String, String> fields;

    private DatabaseSecret(String secretName, Map<String, String> fields) {
        this.secretName = secretName;
        this.fields = fields;
    }

    /** Parses the secret's value: a JSON object; null fields count as absent. */
    static DatabaseSecret parse(String secretName, String value) throws SQLException {
        if (value == null) {
            throw new SQLException("secret " + secretName + " holds a binary value, not a database secret's JSON");
        }
        Map<String, String> fields = new HashMap<>();
        try (JsonParser p = JSON.createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw notAnObject(secretName);
            }
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if (v.isStructStart()) {
                    p.skipChildren(); // an object or array: not a field this class reads
                } else if (v != JsonToken.VALUE_NULL) {
                    fields.put(field, p.getText()); // a string, number or boolean, as written
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw notAnObject(secretName);
            }
        } catch (IOException e) {
            // no cause: a parser's message may quote the text it read, i.e. the password
            throw notAnObject(secretName);
        }
        return new DatabaseSecret(secretName, fields);
    }

    private static SQLException notAnObject(String secretName) {
        return new SQLException("secret " + secretName + ": the value is not a JSON object"
                + " (a database secret holds host, port, username, password, dbname)");
    }

    String username() throws SQLException {
        return required("username");
    }

    String password() throws SQLException {
        return required("password");
    }

    /** jdbc:postgresql://host:port/dbname, for an engine "postgres" or "postgresql" (or none). */
    String postgresUrl() throws SQLException {
        String engine = fields.get("engine");
        if (engine != null && !POSTGRES_ENGINES.contains(engine)) {
            throw new SQLException("secret " + secretName + ": engine " + engine
                    + " has no built-in JDBC URL: give the data source a URL");
        }
        String host = required("host");
        if (!HOST_NAME.matcher(host).matches() && !IPV6.matcher(host).matches()) {
            throw new SQLException("secret " + secretName + ": field \"host\" is not a host name or an IP address");
        }
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        String dbname = fields.getOrDefault("dbname", DEFAULT_DBNAME);
        // pgjdbc URL-decodes the database name
        return "jdbc:postgresql://" + h + ":" + port() + "/" + URLEncoder.encode(dbname, StandardCharsets.UTF_8);
    }

    private int port() throws SQLException {
        String port = fields.get("port");
        if (port == null) {
            return DEFAULT_PORT;
        }
        int n = DIGITS.matcher(port).matches() ? Integer.parseInt(port) : -1;
        if (n < 1 || n > 65_535) {
            throw new SQLException("secret " + secretName + ": field \"port\" must be a port number (1-65535)");
        }
        return n;
    }

    private String required(String field) throws SQLException {
        String v = fields.get(field);
        if (v == null || v.isEmpty()) {
            throw new SQLException("secret " + secretName + ": field \"" + field + "\" is missing or empty");
        }
        return v;
    }

    @Override
    public String toString() {
        return "DatabaseSecret[" + secretName + ", user " + fields.get("username") + "]";
    }
}
