package dev.kinko.example.rotator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * A PostgreSQL user secret in AWS's shape: {"engine":"postgres","host":..,"port":5432,
 * "username":..,"password":..,"dbname":..}. Other fields are kept as they are when the password
 * changes. Errors name the field, never its value; toString leaves the password out.
 */
final class PostgresSecret {
    private static final ObjectMapper JSON = new ObjectMapper();
    /* The host goes into the JDBC URL: a name or an address only, so a secret cannot add URL parameters. */
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?");
    private static final Pattern IPV6 = Pattern.compile("\\[[0-9A-Fa-f:.]+]|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*");

    private final ObjectNode json;
    final String host;
    final int port;
    final String dbname;
    final String username;
    final String password;

    private PostgresSecret(ObjectNode json, String host, int port, String dbname, String username, String password) {
        this.json = json;
        this.host = host;
        this.port = port;
        this.dbname = dbname;
        this.username = username;
        this.password = password;
    }

    /** {@code what} names the value in errors ("CURRENT", "PENDING"). */
    static PostgresSecret parse(String value, String what) throws StepFailure {
        JsonNode node;
        try {
            node = value == null ? null : JSON.readTree(value);
        } catch (JsonProcessingException e) {
            node = null; // the parser's message may quote the value: not passed on
        }
        if (!(node instanceof ObjectNode json)) {
            throw new StepFailure(what + " is not a JSON object with host, port, username and password");
        }
        String host = text(json, "host", what);
        if (!HOST.matcher(host).matches() && !IPV6.matcher(host).matches()) {
            throw new StepFailure(what + ": field \"host\" is not a host name or an IP address");
        }
        int port = port(json.get("port"));
        if (port < 1 || port > 65_535) {
            throw new StepFailure(what + ": field \"port\" is not a port number");
        }
        String dbname = json.has("dbname") ? text(json, "dbname", what) : "postgres";
        return new PostgresSecret(json, host, port, dbname, text(json, "username", what), text(json, "password", what));
    }

    /** 5432 when absent; a number or a string of digits; -1 when neither. */
    private static int port(JsonNode p) {
        if (p == null) {
            return 5432;
        }
        if (p.isIntegralNumber() && p.canConvertToInt()) {
            return p.asInt();
        }
        return p.isTextual() && p.asText().matches("[0-9]{1,5}") ? Integer.parseInt(p.asText()) : -1;
    }

    private static String text(ObjectNode json, String field, String what) throws StepFailure {
        JsonNode n = json.get(field);
        if (n == null || !n.isTextual() || n.asText().isEmpty()) {
            throw new StepFailure(what + ": field \"" + field + "\" is missing or not a non-empty string");
        }
        return n.asText();
    }

    /** The same secret with another password, as JSON. */
    String withPassword(String newPassword) {
        ObjectNode copy = json.deepCopy();
        copy.put("password", newPassword);
        return copy.toString();
    }

    /** The same server, database and user, logging in with {@code otherPassword}. */
    PostgresSecret loggingInWith(String otherPassword) {
        return new PostgresSecret(json, host, port, dbname, username, otherPassword);
    }

    boolean sameUserAndServer(PostgresSecret other) {
        return username.equals(other.username) && host.equals(other.host) && port == other.port
                && dbname.equals(other.dbname);
    }

    String jdbcUrl() {
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return "jdbc:postgresql://" + h + ":" + port + "/" + URLEncoder.encode(dbname, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return username + "@" + host + ":" + port + "/" + dbname;
    }
}
