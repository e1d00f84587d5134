package dev.kinko.server.api;

import dev.kinko.server.consensus.RaftNode;
import dev.kinko.server.metrics.RpcMetricsInterceptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/** The node's gRPC endpoint: SecretsService, AdminService, grpc.health.v1 and server reflection. */
public final class ApiServer implements Closeable {
    /** Largest request accepted: a replication batch may carry a secret's 100 largest values. */
    public static final int MAX_INBOUND_MESSAGE_BYTES = 16 << 20;

    private final Server server;
    private final HealthStatusManager health;
    private final LeaderForwarder forwarder;

    private final ReadPool readers;

    private ApiServer(Server server, HealthStatusManager health, LeaderForwarder forwarder, ReadPool readers) {
        this.server = server;
        this.health = health;
        this.forwarder = forwarder;
        this.readers = readers;
    }

    public static ApiServer start(String host, int port, NodeServices services) throws IOException {
        RaftNode raft = services.raft();
        LeaderForwarder forwarder = new LeaderForwarder(raft, services.tls().asNode());
        ReadPool readers = new ReadPool(raft.nodeId());
        HealthStatusManager health = new HealthStatusManager();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port), services.tls().clientPort())
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
                .intercept(new RpcMetricsInterceptor(services.metrics()))
                // ServerInterceptors.intercept runs the last interceptor first: security is the outermost
                .addService(ServerInterceptors.intercept(new SecretsGrpcService(raft, services.reader(),
                        services.writer(), services.replication(), services.rotation(), forwarder, readers,
                        services.accessControl()),
                        LeaderForwarder.interceptor(), RequestIds.interceptor(), services.security()))
                .addService(ServerInterceptors.intercept(new AdminGrpcService(services, forwarder, services.tls().asNode()),
                        LeaderForwarder.interceptor(), RequestIds.interceptor(), services.security()))
                .addService(ServerInterceptors.intercept(new RotatorGrpcService(services.externalRotators(),
                        services.rotationRunner(), forwarder, services.accessControl()), LeaderForwarder.interceptor(),
                        services.security()))
                .addService(ServerInterceptors.intercept(new ReplicationGrpcService(services.receiver(), forwarder),
                        LeaderForwarder.interceptor(), services.security()))
                .addService(ServerInterceptors.intercept(new AccessGrpcService(raft.region(), services.state(),
                        services.reader(), services.access(), forwarder, readers),
                        LeaderForwarder.interceptor(), RequestIds.interceptor(), services.security()))
                // health stays open (load balancers probe it); everything else needs a caller
                .addService(health.getHealthService())
                .addService(ServerInterceptors.intercept(ProtoReflectionServiceV1.newInstance(), services.security()))
                .build();
        server.start();
        // serving once the node has caught up with its region (until then every call is refused)
        health.setStatus("", ServingStatus.NOT_SERVING);
        health.setStatus("kinko.v1.SecretsService", ServingStatus.NOT_SERVING);
        raft.whenCaughtUp().thenRun(() -> {
            health.setStatus("", ServingStatus.SERVING);
            health.setStatus("kinko.v1.SecretsService", ServingStatus.SERVING);
        });
        return new ApiServer(server, health, forwarder, readers);
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        health.enterTerminalState();
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        forwarder.close();
        readers.close();
    }
}
