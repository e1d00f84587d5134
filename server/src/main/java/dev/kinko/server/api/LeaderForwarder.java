package dev.kinko.server.api;

import dev.kinko.server.consensus.RaftNode;
import dev.kinko.server.consensus.RegionMember;
import dev.kinko.server.api.security.Caller;
import dev.kinko.server.api.security.Callers;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.rpc.Statuses;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.Closeable;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A follower passes a write on to the leader's API unchanged, so the leader
 * alone builds commands and groups them. A forwarded call is marked and never
 * forwarded again, so a leader change cannot make calls circle.
 */
final class LeaderForwarder implements Closeable {
    static final Metadata.Key<String> FORWARDED = Metadata.Key.of("kinko-forwarded-by", Metadata.ASCII_STRING_MARSHALLER);
    static final Context.Key<String> FORWARDED_BY = Context.key("kinko-forwarded-by");

    private final RaftNode raft;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final ChannelCredentials asNode;

    LeaderForwarder(RaftNode raft, ChannelCredentials asNode) {
        this.raft = raft;
        this.asNode = asNode;
    }

    /** Puts the forwarded marker of incoming calls into their context. */
    static ServerInterceptor interceptor() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                              ServerCallHandler<Q, R> next) {
                String by = headers.get(FORWARDED);
                return by == null ? next.startCall(call, headers)
                        : Contexts.interceptCall(Context.current().withValue(FORWARDED_BY, by), call, headers, next);
            }
        };
    }

    /** Runs {@code action} here when this node leads (and is ready), or forwards the call to the leader. */
    <Q, R> void onLeader(MethodDescriptor<Q, R> method, Q request, StreamObserver<R> out,
                         Supplier<CompletableFuture<R>> action) {
        if (!raft.isLeaderReady()) {
            forward(method, request, out);
            return;
        }
        CompletableFuture<R> result;
        try {
            result = action.get();
        } catch (RuntimeException e) {
            result = CompletableFuture.failedFuture(e);
        }
        reply(result, out);
    }

    /** Sends the outcome of {@code result} to the caller, a failure as a status with its reason. */
    static <R> void reply(CompletableFuture<R> result, StreamObserver<R> out) {
        result.whenComplete((value, error) -> {
            if (error != null) {
                out.onError(ErrorMapper.toStatus(error));
            } else {
                out.onNext(value);
                out.onCompleted();
            }
        });
    }

    <Q, R> void forward(MethodDescriptor<Q, R> method, Q request, StreamObserver<R> response) {
        if (FORWARDED_BY.get() != null) {
            response.onError(Statuses.of(Reason.NOT_LEADER, "node " + raft.nodeId()
                    + " is no longer the leader; retry"));
            return;
        }
        Optional<RegionMember> leader = raft.leader();
        if (leader.isEmpty() || leader.get().nodeId().equals(raft.nodeId())) {
            response.onError(Statuses.of(Reason.NO_LEADER, "region " + raft.region()
                    + " has no leader ready at the moment; retry"));
            return;
        }
        ManagedChannel channel = channels.computeIfAbsent(leader.get().clientAddress(),
                address -> Grpc.newChannelBuilder(address, asNode).build());
        Metadata headers = new Metadata();
        headers.put(FORWARDED, raft.nodeId());
        Callers.forwardAs(Caller.current(), headers);
        if (!RequestIds.current().isEmpty()) {
            headers.put(RequestIds.HEADER, RequestIds.current()); // the leader deduplicates by it
        }
        CallOptions options = CallOptions.DEFAULT;
        if (Context.current().getDeadline() != null) {
            options = options.withDeadline(Context.current().getDeadline());
        }
        io.grpc.Channel intercepted = io.grpc.ClientInterceptors.intercept(channel,
                MetadataUtils.newAttachHeadersInterceptor(headers));
        ClientCalls.asyncUnaryCall(intercepted.newCall(method, options), request, new StreamObserver<>() {
            @Override
            public void onNext(R value) {
                response.onNext(value);
            }

            @Override
            public void onError(Throwable t) {
                com.google.rpc.Status status = StatusProto.fromThrowable(t);
                response.onError(status != null ? StatusProto.toStatusRuntimeException(status)
                        : Statuses.of(Reason.NO_LEADER, "the leader could not be reached ("
                                + Status.fromThrowable(t).getCode() + "); retry"));
            }

            @Override
            public void onCompleted() {
                response.onCompleted();
            }
        });
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        channels.values().forEach(c -> {
            try {
                c.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }
}
