package dev.kinko.server.api.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kinko.proto.v1.SecretsServiceGrpc;
import dev.kinko.server.api.security.Authenticator;
import dev.kinko.server.api.security.Caller;
import dev.kinko.server.crypto.pki.TlsManagers;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AWS Secrets Manager endpoint of a node: awsJson1_1 over HTTPS (the node's certificate),
 * SigV4-signed. Each verified request runs as its caller through this node's own gRPC port, the
 * way a follower forwards a caller, so the gRPC API's rules, policy check, audit log and leader
 * forwarding serve it unchanged.
 */
public final class AwsEndpoint implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(AwsEndpoint.class);
    /** Largest request body: a 64 KiB value in base64, in its JSON, fits with room to spare. */
    public static final int MAX_REQUEST_BYTES = 512 * 1024;
    public static final String TARGET_PREFIX = "secretsmanager.";
    public static final String CONTENT_TYPE = "application/x-amz-json-1.1";
    static final int MAX_THREADS = 32;
    static final long CALL_DEADLINE_SECONDS = 20;

    /** Writes the audit line of a request refused by its signature; false when it could not be written. */
    @FunctionalInterface
    public interface RefusalAudit {
        boolean refused(String source, String action, String requestId);
    }

    /** The caller's rate limit (refusals audited); false when the caller is over it. */
    @FunctionalInterface
    public interface Admission {
        boolean admit(Caller caller, String action, String requestId);
    }

    /** Checks a request's signature; returns the caller, or throws an {@link AwsError}. */
    @FunctionalInterface
    public interface Signatures {
        Caller verify(SigV4Request request, String source);
    }

    private final Server server;
    private final ManagedChannel self;
    private final AwsOperations operations;
    private final Signatures signatures;
    private final RefusalAudit audit;
    private final Admission admission;

    private AwsEndpoint(Server server, ManagedChannel self, AwsOperations operations, Signatures signatures,
                        RefusalAudit audit, Admission admission) {
        this.audit = audit;
        this.admission = admission;
        this.server = server;
        this.self = self;
        this.operations = operations;
        this.signatures = signatures;
    }

    /**
     * Starts the endpoint on {@code host:port} (0: any free port). {@code selfAddress} is this
     * node's gRPC client port, reached with the node's own credentials.
     */
    public static AwsEndpoint start(String host, int port, PrivateKey key, X509Certificate certificate,
                                    String selfAddress, ChannelCredentials asNode, AwsArns arns, Signatures signatures,
                                    RefusalAudit audit, Admission admission) throws IOException {
        QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS);
        threads.setName("kinko-aws");
        threads.setDaemon(true);
        Server server = new Server(threads);
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStore(TlsManagers.keyStore(key, List.of(certificate)));
        tls.setKeyStorePassword("");
        HttpConfiguration http = new HttpConfiguration();
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        secure.setSniHostCheck(false); // clients reach nodes by IP as well as by name
        http.addCustomizer(secure);
        http.setSendServerVersion(false);
        ServerConnector connector = new ServerConnector(server, new SslConnectionFactory(tls, "http/1.1"),
                new HttpConnectionFactory(http));
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        ManagedChannel self = Grpc.newChannelBuilder(selfAddress, asNode).build();
        AwsEndpoint endpoint = new AwsEndpoint(server, self, new AwsOperations(arns), signatures, audit, admission);
        server.setHandler(endpoint.handler());
        try {
            server.start();
        } catch (Exception e) {
            self.shutdownNow();
            throw new IOException("the AWS endpoint could not start on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        return endpoint;
    }

    public int port() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    private Handler handler() {
        return new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String requestId = UUID.randomUUID().toString();
                int status = 200;
                ObjectNode body;
                String errorType = null;
                try {
                    body = serve(request, requestId);
                } catch (AwsError e) {
                    status = e.status();
                    errorType = e.type();
                    body = AwsJson.object().put("__type", e.type()).put("message", e.getMessage());
                } catch (RuntimeException e) {
                    LOG.warn("AWS request {} failed: {}", requestId, e.toString());
                    status = AwsError.INTERNAL;
                    errorType = AwsErrors.INTERNAL;
                    body = AwsJson.object().put("__type", errorType).put("message", "internal error; see the node's log ("
                            + requestId + ")");
                }
                response.setStatus(status);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, CONTENT_TYPE);
                response.getHeaders().put("x-amzn-RequestId", requestId);
                // the SDKs correct their clock from it after a "Signature expired"
                response.getHeaders().putDate(HttpHeader.DATE, System.currentTimeMillis());
                if (errorType != null) {
                    response.getHeaders().put("X-Amzn-ErrorType", errorType);
                }
                response.write(true, ByteBuffer.wrap(body.toString().getBytes(StandardCharsets.UTF_8)), callback);
                return true;
            }
        };
    }

    private ObjectNode serve(Request request, String requestId) {
        if (!"POST".equals(request.getMethod())) {
            throw AwsError.badRequest(AwsErrors.INVALID_REQUEST, "only POST is served (awsJson1_1)");
        }
        String target = request.getHeaders().get("X-Amz-Target");
        if (target == null || !target.startsWith(TARGET_PREFIX)) {
            throw AwsError.badRequest("UnknownOperationException", "X-Amz-Target must be secretsmanager.<Operation>");
        }
        String operationName = target.substring(TARGET_PREFIX.length());
        AwsOperations.Operation operation = operations.find(operationName);
        byte[] body = read(request);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (HttpField f : request.getHeaders()) {
            headers.computeIfAbsent(f.getName(), n -> new java.util.ArrayList<>()).add(f.getValue());
        }
        String source = Request.getRemoteAddr(request);
        Caller caller;
        try {
            caller = signatures.verify(new SigV4Request(request.getMethod(), request.getHttpURI().getPath(),
                    request.getHttpURI().getQuery() == null ? "" : request.getHttpURI().getQuery(), headers, body), source);
        } catch (AwsError refused) {
            // audited like a gRPC call refused before authentication; no audit line, no answer
            if (!audit.refused(source, "secretsmanager:" + operationName, requestId)) {
                throw new AwsError(AwsErrors.INTERNAL, AwsError.INTERNAL, "this node cannot write its audit log,"
                        + " so it serves nothing; try another node");
            }
            throw refused;
        }
        // the gRPC API counts forwarded calls against no limit (the forwarding node did): count these here
        if (!admission.admit(caller, "secretsmanager:" + operationName, requestId)) {
            throw AwsError.badRequest(AwsErrors.THROTTLING, "too many requests from " + caller.principal() + "; retry later");
        }
        JsonNode in;
        try {
            in = body.length == 0 ? AwsJson.object() : AwsJson.MAPPER.readTree(body);
        } catch (IOException e) {
            throw AwsError.badRequest("SerializationException", "the body is not JSON");
        }
        if (!in.isObject()) {
            throw AwsError.badRequest("SerializationException", "the body must be a JSON object");
        }
        try {
            return operation.apply(in, asCaller(caller, source));
        } catch (StatusRuntimeException e) {
            throw AwsErrors.of(e);
        }
    }

    private static byte[] read(Request request) {
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] body = in.readNBytes(MAX_REQUEST_BYTES + 1);
            if (body.length > MAX_REQUEST_BYTES) {
                throw AwsError.badRequest(AwsErrors.INVALID_REQUEST, "the request body exceeds " + MAX_REQUEST_BYTES
                        + " bytes");
            }
            return body;
        } catch (IOException e) {
            throw AwsError.badRequest(AwsErrors.INVALID_REQUEST, "the request body could not be read");
        }
    }

    /** A stub of this node's gRPC API that acts as {@code caller} (as a forwarding node does). */
    private SecretsServiceGrpc.SecretsServiceBlockingStub asCaller(Caller caller, String source) {
        Metadata headers = new Metadata();
        headers.put(Authenticator.FORWARDED_PRINCIPAL, caller.principal());
        headers.put(Authenticator.FORWARDED_ACCESSOR, caller.accessor());
        headers.put(Authenticator.FORWARDED_SOURCE, source);
        return SecretsServiceGrpc.newBlockingStub(self).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("stopping the AWS endpoint: {}", e.getMessage());
        }
        self.shutdownNow();
    }
}
