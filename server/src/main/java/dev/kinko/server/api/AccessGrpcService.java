package dev.kinko.server.api;

import dev.kinko.proto.raft.v1.PolicyRecord;
import dev.kinko.proto.raft.v1.TokenRecord;
import dev.kinko.proto.v1.AccessServiceGrpc;
import dev.kinko.proto.v1.CreateTokenRequest;
import dev.kinko.proto.v1.CreateTokenResponse;
import dev.kinko.proto.v1.DeletePolicyRequest;
import dev.kinko.proto.v1.DeletePolicyResponse;
import dev.kinko.proto.v1.GetPolicyRequest;
import dev.kinko.proto.v1.GetPolicyResponse;
import dev.kinko.proto.v1.ListPoliciesRequest;
import dev.kinko.proto.v1.ListPoliciesResponse;
import dev.kinko.proto.v1.ListTokensRequest;
import dev.kinko.proto.v1.ListTokensResponse;
import dev.kinko.proto.v1.Policy;
import dev.kinko.proto.v1.PutPolicyRequest;
import dev.kinko.proto.v1.PutPolicyResponse;
import dev.kinko.proto.v1.ReadConsistency;
import dev.kinko.proto.v1.RevokeTokenRequest;
import dev.kinko.proto.v1.RevokeTokenResponse;
import dev.kinko.proto.v1.TokenInfo;
import dev.kinko.proto.v1.WhoAmIRequest;
import dev.kinko.proto.v1.WhoAmIResponse;
import dev.kinko.server.api.security.Caller;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.frontend.AccessWriter;
import dev.kinko.server.frontend.Records;
import dev.kinko.server.frontend.SecretReader;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.function.Supplier;

/** AccessService: policies and tokens; writes on the leader (forwarded there), reads after the read index. */
final class AccessGrpcService extends AccessServiceGrpc.AccessServiceImplBase {
    private final String region;
    private final StateReader state;
    private final SecretReader reader;
    private final AccessWriter writer;
    private final LeaderForwarder forwarder;
    private final ReadPool readers;

    AccessGrpcService(String region, StateReader state, SecretReader reader, AccessWriter writer,
                      LeaderForwarder forwarder, ReadPool readers) {
        this.region = region;
        this.state = state;
        this.reader = reader;
        this.writer = writer;
        this.forwarder = forwarder;
        this.readers = readers;
    }

    @Override
    public void putPolicy(PutPolicyRequest r, StreamObserver<PutPolicyResponse> out) {
        forwarder.onLeader(AccessServiceGrpc.getPutPolicyMethod(), r, out, () -> writer.putPolicy(r.getName(),
                r.getDocument(), r.getClientsList(), RequestIds.forCommand()).thenApply(p -> PutPolicyResponse.newBuilder().setPolicy(policy(p)).build()));
    }

    @Override
    public void deletePolicy(DeletePolicyRequest r, StreamObserver<DeletePolicyResponse> out) {
        forwarder.onLeader(AccessServiceGrpc.getDeletePolicyMethod(), r, out, () -> writer.deletePolicy(r.getName(),
                RequestIds.forCommand()).thenApply(v -> DeletePolicyResponse.getDefaultInstance()));
    }

    @Override
    public void createToken(CreateTokenRequest r, StreamObserver<CreateTokenResponse> out) {
        Caller caller = Caller.current();
        forwarder.onLeader(AccessServiceGrpc.getCreateTokenMethod(), r, out, () -> {
            if (r.getTtlSeconds() < 0) {
                throw new KinkoException(Reason.INVALID_TTL, "ttl_seconds cannot be negative");
            }
            return writer.createToken(r.getPoliciesList(), Duration.ofSeconds(r.getTtlSeconds()), r.getName(),
                    caller.policies(), caller.root(), caller.principal(), caller.accessor(), r.getAccessKey())
                    .thenApply(c -> {
                        CreateTokenResponse.Builder b = CreateTokenResponse.newBuilder().setInfo(token(c.record()));
                        if (c.record().hasSealedSecretKey()) {
                            b.setAccessKeyId(c.record().getAccessor()).setSecretAccessKey(c.secretAccessKey());
                        } else {
                            b.setToken(c.token());
                        }
                        return b.build();
                    });
        });
    }

    @Override
    public void revokeToken(RevokeTokenRequest r, StreamObserver<RevokeTokenResponse> out) {
        forwarder.onLeader(AccessServiceGrpc.getRevokeTokenMethod(), r, out, () -> writer.revokeToken(r.getAccessor(),
                RequestIds.forCommand()).thenApply(v -> RevokeTokenResponse.getDefaultInstance()));
    }

    @Override
    public void getPolicy(GetPolicyRequest r, StreamObserver<GetPolicyResponse> out) {
        read(() -> GetPolicyResponse.newBuilder().setPolicy(policy(state.policy(r.getName()).orElseThrow(() ->
                new KinkoException(Reason.POLICY_NOT_FOUND, "there is no policy named " + r.getName())))).build(), out);
    }

    @Override
    public void listPolicies(ListPoliciesRequest r, StreamObserver<ListPoliciesResponse> out) {
        read(() -> {
            ListPoliciesResponse.Builder b = ListPoliciesResponse.newBuilder();
            state.policies().forEach(p -> b.addPolicies(policy(p)));
            return b.build();
        }, out);
    }

    @Override
    public void listTokens(ListTokensRequest r, StreamObserver<ListTokensResponse> out) {
        read(() -> {
            ListTokensResponse.Builder b = ListTokensResponse.newBuilder();
            state.tokens().forEach(t -> b.addTokens(token(t)));
            return b.build();
        }, out);
    }

    @Override
    public void whoAmI(WhoAmIRequest r, StreamObserver<WhoAmIResponse> out) {
        Caller c = Caller.current();
        out.onNext(WhoAmIResponse.newBuilder().setPrincipal(c.principal()).setAccessor(c.accessor())
                .addAllPolicies(c.policies()).setRegion(region).build());
        out.onCompleted();
    }

    private <R> void read(Supplier<R> read, StreamObserver<R> out) {
        LeaderForwarder.reply(readers.after(reader.ready(ReadConsistency.READ_CONSISTENCY_LINEARIZABLE), read), out);
    }

    private static Policy policy(PolicyRecord p) {
        return Policy.newBuilder().setName(p.getName()).setDocument(p.getDocument()).addAllClients(p.getClientsList())
                .setCreatedDate(Records.timestamp(p.getCreatedMillis())).setUpdatedDate(Records.timestamp(p.getUpdatedMillis())).build();
    }

    static TokenInfo token(TokenRecord t) {
        TokenInfo.Builder b = TokenInfo.newBuilder().setAccessor(t.getAccessor()).setName(t.getName())
                .addAllPolicies(t.getPoliciesList()).setCreatedDate(Records.timestamp(t.getCreatedMillis())).setRoot(t.getRoot())
                .setCreatedBy(t.getCreatedBy()).setAccessKey(t.hasSealedSecretKey());
        if (t.getExpiresMillis() != 0) {
            b.setExpirationDate(Records.timestamp(t.getExpiresMillis()));
        }
        return b.build();
    }

}
