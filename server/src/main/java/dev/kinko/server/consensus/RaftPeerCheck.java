package dev.kinko.server.consensus;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.EnumSet;
import java.util.function.Predicate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.thirdparty.io.grpc.Grpc;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyServerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses every call on the Raft port whose TLS peer is not a node of this region: an osaka
 * node, a region-link or a client certificate from the same CA cannot vote, append or
 * install a snapshot here.
 */
final class RaftPeerCheck implements GrpcServices.Customizer, ServerInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(RaftPeerCheck.class);

    private final Predicate<X509Certificate> member;

    RaftPeerCheck(Predicate<X509Certificate> member) {
        this.member = member;
    }

    @Override
    public NettyServerBuilder customize(NettyServerBuilder builder, EnumSet<GrpcServices.Type> types) {
        return builder.intercept(this);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session == null || !allowed(session)) {
            LOG.warn("refused a Raft call from {}: its certificate does not name a node of this region",
                    call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
            call.close(Status.PERMISSION_DENIED.withDescription("not a node of this region"), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        return next.startCall(call, headers);
    }

    private boolean allowed(SSLSession session) {
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate leaf && member.test(leaf);
        } catch (SSLPeerUnverifiedException e) {
            return false;
        }
    }
}
