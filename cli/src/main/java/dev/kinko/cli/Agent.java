package dev.kinko.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Timestamp;
import dev.kinko.proto.v1.GetSecretValueResponse;
import dev.kinko.server.domain.policy.SecretArn;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * {@code kinko agent}'s HTTP server: the AWS Secrets Manager Agent's protocol on 127.0.0.1, plain
 * HTTP (loopback only, as AWS's agent). Jetty core, no servlets.
 * <ul>
 *   <li>{@code GET /secretsmanager/get?secretId=ID[&versionStage=S|&versionId=V][&refreshNow=true]}
 *       with the header {@value #TOKEN_HEADER}: a GetSecretValue-shaped JSON body ({@code ARN},
 *       {@code Name}, {@code VersionId}, {@code SecretString} or {@code SecretBinary} in base64,
 *       {@code VersionStages}, {@code CreatedDate} in epoch seconds);</li>
 *   <li>{@code GET /ping}: 200 {@code healthy}, no header needed.</li>
 * </ul>
 * Errors are in {@link AgentError}. AWS's stage names are Kinko's with {@code AWS} in front:
 * {@code versionStage=AWSCURRENT} reads CURRENT and {@code VersionStages} says AWSCURRENT
 * ({@link #STAGES}); any other label passes as it is.
 */
final class Agent implements AutoCloseable {
    static final String HOST = "127.0.0.1";
    static final int DEFAULT_PORT = 2773;
    static final String TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token";
    static final String GET_PATH = "/secretsmanager/get";
    static final String PING_PATH = "/ping";
    /** Threads serving requests (Jetty's acceptor and selector included); more requests queue. */
    static final int MAX_THREADS = 16;
    static final int MIN_THREADS = 4;
    /** Open connections at most; beyond, the agent stops accepting until one closes. */
    static final int MAX_CONNECTIONS = 256;
    /** The request line and the headers together, at most (Jetty answers 431 beyond). */
    static final int MAX_REQUEST_HEADER_BYTES = 8 * 1024;
    /** AWS's limit on a SecretId. */
    static final int MAX_SECRET_ID_CHARS = 2048;
    static final int MAX_VERSION_CHARS = 256;
    static final long IDLE_TIMEOUT_MILLIS = 30_000;
    /** AWS's stage labels and Kinko's. */
    static final Map<String, String> STAGES = Map.of("AWSCURRENT", "CURRENT", "AWSPREVIOUS", "PREVIOUS",
            "AWSPENDING", "PENDING");
    private static final Set<String> PARAMETERS = Set.of("secretId", "versionStage", "versionId", "refreshNow");
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);

    private final Server server;
    private final ServerConnector connector;
    private final AgentCache cache;
    private final byte[] tokenHash;
    private final String arnRegion;

    private Agent(int port, byte[] token, AgentCache cache, String arnRegion) {
        if (token.length == 0) {
            throw new IllegalArgumentException("the agent's token is empty");
        }
        this.cache = Objects.requireNonNull(cache);
        this.tokenHash = sha256(token);
        this.arnRegion = Objects.requireNonNull(arnRegion);
        // Jetty wants its job queue unbounded; the connection limit bounds the work instead
        QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, MIN_THREADS);
        threads.setName("kinko-agent");
        threads.setDaemon(true);
        this.server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(MAX_REQUEST_HEADER_BYTES);
        http.setSendServerVersion(false);
        http.setSendDateHeader(true);
        this.connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(HOST);
        connector.setPort(port);
        connector.setIdleTimeout(IDLE_TIMEOUT_MILLIS);
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(MAX_CONNECTIONS, connector));
        server.setHandler(new AgentHandler());
        server.setStopTimeout(5_000);
    }

    /**
     * Starts an agent on 127.0.0.1:{@code port} (0: any free port) that wants {@code token} in
     * {@value #TOKEN_HEADER} and reads through {@code cache}; {@code arnRegion} goes into the ARNs.
     */
    static Agent start(int port, byte[] token, AgentCache cache, String arnRegion) throws Exception {
        Agent agent = new Agent(port, token, cache, arnRegion);
        try {
            agent.server.start();
        } catch (Exception e) {
            agent.close();
            throw e;
        }
        return agent;
    }

    int port() {
        return connector.getLocalPort();
    }

    AgentCache cache() {
        return cache;
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("stopping the agent's HTTP server failed: " + e.getMessage(), e);
        }
    }

    private final class AgentHandler extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            String path = Request.getPathInContext(request);
            if (!"GET".equals(request.getMethod())) {
                response.getHeaders().put(HttpHeader.ALLOW, "GET");
                return error(response, callback, AgentError.METHOD_NOT_ALLOWED, "only GET is served");
            }
            if (PING_PATH.equals(path)) {
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
                response.write(true, ByteBuffer.wrap("healthy".getBytes(StandardCharsets.UTF_8)), callback);
                return true;
            }
            if (!GET_PATH.equals(path)) {
                return error(response, callback, AgentError.NO_SUCH_PATH, "no such path; the agent serves "
                        + GET_PATH + " and " + PING_PATH);
            }
            if (!tokenMatches(request.getHeaders().getValuesList(TOKEN_HEADER))) {
                return error(response, callback, AgentError.TOKEN, "missing or invalid " + TOKEN_HEADER + " header");
            }
            Fields query;
            try {
                query = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
            } catch (RuntimeException e) {
                return error(response, callback, AgentError.INVALID_PARAMETER, "the query string is malformed");
            }
            for (String name : query.getNames()) {
                if (!PARAMETERS.contains(name)) {
                    return error(response, callback, AgentError.INVALID_PARAMETER, "unknown parameter " + name);
                }
                if (query.getValues(name).size() > 1) {
                    return error(response, callback, AgentError.INVALID_PARAMETER, "parameter " + name + " given twice");
                }
            }
            String secretId = query.getValue("secretId");
            String stage = query.getValue("versionStage");
            String versionId = query.getValue("versionId");
            String refresh = query.getValue("refreshNow");
            if (secretId == null || secretId.isEmpty()) {
                return error(response, callback, AgentError.INVALID_PARAMETER, "secretId is required");
            }
            if (secretId.length() > MAX_SECRET_ID_CHARS) {
                return error(response, callback, AgentError.INVALID_PARAMETER,
                        "secretId is longer than " + MAX_SECRET_ID_CHARS + " characters");
            }
            if (stage != null && versionId != null) {
                return error(response, callback, AgentError.INVALID_PARAMETER,
                        "give versionStage or versionId, not both");
            }
            if (stage != null && (stage.isEmpty() || stage.length() > MAX_VERSION_CHARS)
                    || versionId != null && (versionId.isEmpty() || versionId.length() > MAX_VERSION_CHARS)) {
                return error(response, callback, AgentError.INVALID_PARAMETER,
                        "versionStage and versionId take 1 to " + MAX_VERSION_CHARS + " characters");
            }
            if (refresh != null && !refresh.equalsIgnoreCase("true") && !refresh.equalsIgnoreCase("false")) {
                return error(response, callback, AgentError.INVALID_PARAMETER, "refreshNow is true or false");
            }
            AgentCache.Key key = versionId != null ? new AgentCache.Key(secretId, "", versionId)
                    : new AgentCache.Key(secretId, stage == null ? STAGES.get("AWSCURRENT") : STAGES.getOrDefault(stage, stage), "");
            GetSecretValueResponse value;
            try {
                value = cache.get(key, "true".equalsIgnoreCase(refresh));
            } catch (RuntimeException e) {
                AgentError error = AgentError.of(e);
                return error(response, callback, error, error == AgentError.INTERNAL
                        ? "Kinko could not be read and nothing is cached for this secret" : e.getMessage());
            }
            return json(response, callback, 200, body(value));
        }
    }

    private ObjectNode body(GetSecretValueResponse v) {
        ObjectNode o = JSON.createObjectNode();
        o.put("ARN", SecretArn.of(arnRegion, v.getName()));
        o.put("Name", v.getName());
        o.put("VersionId", v.getVersionId());
        if (v.getValueCase() == GetSecretValueResponse.ValueCase.SECRET_BINARY) {
            o.put("SecretBinary", Base64.getEncoder().encodeToString(v.getSecretBinary().toByteArray()));
        } else {
            o.put("SecretString", v.getSecretString());
        }
        ArrayNode stages = o.putArray("VersionStages");
        for (String s : v.getVersionStagesList()) {
            stages.add(awsStage(s));
        }
        o.put("CreatedDate", epochSeconds(v.getCreatedDate()));
        return o;
    }

    static String awsStage(String kinkoStage) {
        for (Map.Entry<String, String> e : STAGES.entrySet()) {
            if (e.getValue().equals(kinkoStage)) {
                return e.getKey();
            }
        }
        return kinkoStage;
    }

    /** Epoch seconds with milliseconds, as AWS writes its timestamps (e.g. 1712345678.123). */
    static BigDecimal epochSeconds(Timestamp t) {
        return BigDecimal.valueOf(t.getSeconds()).add(BigDecimal.valueOf(t.getNanos() / 1_000_000, 3));
    }

    private boolean tokenMatches(List<String> given) {
        if (given.size() != 1) {
            return false;
        }
        // hashes of equal length: the compare takes as long whatever the header holds
        return MessageDigest.isEqual(tokenHash, sha256(given.get(0).getBytes(StandardCharsets.UTF_8)));
    }

    private static boolean error(Response response, Callback callback, AgentError error, String message) {
        ObjectNode o = JSON.createObjectNode();
        o.put("__type", error.type);
        o.put("message", message);
        response.getHeaders().put("X-Amzn-ErrorType", error.type);
        return json(response, callback, error.status, o);
    }

    private static boolean json(Response response, Callback callback, int status, ObjectNode body) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            callback.failed(e);
            return true;
        }
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(bytes), callback);
        return true;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "Agent[" + HOST + ":" + port() + ", " + cache + "]";
    }
}
