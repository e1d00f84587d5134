package dev.kinko.bench;

import dev.kinko.proto.v1.AdminServiceGrpc;
import dev.kinko.proto.v1.GetClusterStatusRequest;
import dev.kinko.proto.v1.GetClusterStatusResponse;
import dev.kinko.proto.v1.Member;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** How the benches reach a region of node processes: TLS trusting the deployment CA, the token, the leader. */
final class BenchChannels {
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private BenchChannels() {}

    /** TLS that trusts only the deployment CA (no client certificate: the caller is its token). */
    static ChannelCredentials tlsTrusting(Path ca) throws IOException {
        return TlsChannelCredentials.newBuilder().trustManager(ca.toFile()).build();
    }

    /** The headers of a caller that presents {@code token}. */
    static Metadata bearer(String token) {
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + token);
        return headers;
    }

    /** {@code stub} sending {@code headers} on every call. */
    static <S extends AbstractStub<S>> S with(S stub, Metadata headers) {
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    /**
     * The leader's client address as the node behind {@code channel} sees it (GetClusterStatus), or
     * null while the region has no leader or the node does not answer yet.
     */
    static String leaderClientAddress(ManagedChannel channel, Metadata headers) {
        try {
            GetClusterStatusResponse status = with(AdminServiceGrpc.newBlockingStub(channel), headers)
                    .withDeadlineAfter(5, TimeUnit.SECONDS).getClusterStatus(GetClusterStatusRequest.getDefaultInstance());
            return status.getMembersList().stream().filter(m -> m.getNodeId().equals(status.getLeaderId()))
                    .findFirst().map(Member::getClientAddress).orElse(null);
        } catch (StatusRuntimeException notYet) {
            return null; // still starting
        }
    }
}
