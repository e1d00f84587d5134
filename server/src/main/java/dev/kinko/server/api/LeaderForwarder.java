package dev.kinko.server.api;

import dev.kinko.proto.v1.AccessServiceGrpc;
import dev.kinko.proto.v1.AdminServiceGrpc;
import dev.kinko.proto.v1.SecretsServiceGrpc;
import dev.kinko.server.consensus.RaftNode;
import dev.kinko.server.consensus.RaftUnavailableException;
import dev.kinko.server.consensus.RegionMember;
import dev.kinko.server.api.security.Caller;
import dev.kinko.server.api.security.Callers;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.rpc.Statuses;
import com.google.rpc.ErrorInfo;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
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
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.Closeable;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A follower passes a write on to the leader's API unchanged, so the leader alone builds commands
 * and groups them. A forwarded call is marked and never forwarded again, so a leader change cannot
 * make calls circle.
 *
 * <p>During a leader change the follower keeps the call (issue 10): it forwards each attempt with a
 * deadline of its own ({@link #ATTEMPT_TIMEOUT}, never past the caller's), stops an attempt as soon
 * as Ratis names another leader, and re-forwards to the leader Ratis names next, waiting a bounded
 * time for one to be elected, all within the caller's deadline. A write is re-forwarded after an
 * attempt that may have reached a leader only when a repeat is harmless: the leader deduplicates
 * it by its request id, which the follower adds when the caller sent none. When the follower gives
 * up, the caller gets a reason in ErrorInfo: {@code NO_LEADER}, {@code LEADER_UNREACHABLE} (nothing
 * reached a leader) or {@code FORWARD_OUTCOME_UNKNOWN} (the leader may have committed it).
 */
final class LeaderForwarder implements Closeable {
    static final Metadata.Key<String> FORWARDED = Metadata.Key.of("kinko-forwarded-by", Metadata.ASCII_STRING_MARSHALLER);
    static final Context.Key<String> FORWARDED_BY = Context.key("kinko-forwarded-by");
    /**
     * One forwarding attempt of a quick call (a secret, policy or token write) waits at most this
     * for the leader's answer: well above a loaded leader's commit time (tens of ms, a few hundred
     * under load), well below the client's deadline (5-10 s), so a leader that stopped answering
     * without dying (paused, cut off) costs one attempt, not the caller's deadline.
     */
    static final Duration ATTEMPT_TIMEOUT = Duration.ofMillis(2_000);
    /** While no leader is named (or a failed one still is), look again this often, besides Ratis's notifications. */
    static final Duration LEADER_RECHECK = Duration.ofMillis(100);
    /** The first pause before re-forwarding to a leader that just failed; doubles up to {@link #LEADER_RECHECK}. */
    static final Duration RETRY_PAUSE = Duration.ofMillis(20);
    /** How long a call that came without a deadline may spend being forwarded. */
    static final Duration NO_DEADLINE_BUDGET = Duration.ofSeconds(10);
    /** Less than this left of the caller's deadline: no further attempt. */
    static final long MIN_ATTEMPT_MILLIS = 20;
    /** ErrorInfo metadata on a refusal made before the call ran (so even a non-repeatable call may be re-sent). */
    static final String NOT_RUN = "not_run";

    /**
     * Writes a repeat of which is not harmless: nothing deduplicates them (a token is shown once, a
     * second rotation makes a second key version, a second link deletion finds no link). Every other
     * forwarded write is deduplicated by its request id (SecretsService, the other AccessService
     * writes), or is idempotent by nature (a replication batch by its sequence, setting a link,
     * re-wrapping data keys).
     */
    private static final Set<String> NOT_REPEATABLE = Set.of(
            AccessServiceGrpc.getCreateTokenMethod().getFullMethodName(),
            AdminServiceGrpc.getRotateRegionKeyMethod().getFullMethodName(),
            AdminServiceGrpc.getDeleteRegionLinkMethod().getFullMethodName(),
            AdminServiceGrpc.getPromoteRegionMethod().getFullMethodName(),
            AdminServiceGrpc.getReplicateRegionMethod().getFullMethodName());
    /** Services whose calls are short (one commit), so an attempt deadline and a cut on leader change suit them. */
    private static final Set<String> QUICK_SERVICES = Set.of(SecretsServiceGrpc.SERVICE_NAME, AccessServiceGrpc.SERVICE_NAME);
    /** Refusals that mean "not the leader (yet)": ask the leader Ratis names next. */
    private static final Set<String> LEADER_MOVED = Set.of(Reason.NOT_LEADER.name(), Reason.NO_LEADER.name(),
            Reason.NOT_READY.name(), Reason.LEADER_UNREACHABLE.name(), Reason.RAFT_TIMEOUT.name());

    private final RaftNode raft;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final ChannelCredentials asNode;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kinko-forwarder");
        t.setDaemon(true);
        return t;
    });

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
            // a forwarded call is never forwarded again; say whether a leader is on its way here
            boolean electedHere = raft.namedLeader().filter(raft.nodeId()::equals).isPresent();
            response.onError(Statuses.of(electedHere ? Reason.NOT_READY : Reason.NOT_LEADER, "node " + raft.nodeId()
                    + (electedHere ? " leads but is not ready yet" : " is not the leader") + "; retry", Map.of(NOT_RUN, "true")));
            return;
        }
        boolean repeatable = !NOT_REPEATABLE.contains(method.getFullMethodName());
        Metadata headers = new Metadata();
        headers.put(FORWARDED, raft.nodeId());
        Callers.forwardAs(Caller.current(), headers);
        String requestId = RequestIds.current();
        if (requestId.isEmpty() && repeatable) {
            requestId = UUID.randomUUID().toString(); // so the leader deduplicates a re-forwarded attempt
        }
        if (!requestId.isEmpty()) {
            headers.put(RequestIds.HEADER, requestId);
        }
        Context context = Context.current();
        Deadline deadline = context.getDeadline() != null ? context.getDeadline()
                : Deadline.after(NO_DEADLINE_BUDGET.toMillis(), TimeUnit.MILLISECONDS);
        new Forward<>(method, request, response, headers, deadline, context,
                QUICK_SERVICES.contains(method.getServiceName()), repeatable).next();
    }

    /** The leader to forward to: the one Ratis names, unless that is this node and it is not ready yet. */
    private Optional<RegionMember> target() {
        try {
            Optional<RegionMember> leader = raft.leader();
            if (leader.isPresent() && leader.get().nodeId().equals(raft.nodeId()) && !raft.isLeaderReady()) {
                return Optional.empty();
            }
            return leader;
        } catch (RaftUnavailableException e) {
            return Optional.empty();
        }
    }

    /** One call being forwarded, attempt after attempt, until it has an answer or its time is up. */
    private final class Forward<Q, R> {
        private final MethodDescriptor<Q, R> method;
        private final Q request;
        private final StreamObserver<R> response;
        private final Metadata headers;
        private final Deadline deadline;
        private final Context context;
        private final boolean quick;
        private final boolean repeatable;
        private final AtomicBoolean finished = new AtomicBoolean();
        /** The leader the last attempt failed against, or null. */
        private volatile String failedLeader;
        private volatile boolean anyLeader;
        private volatile boolean maybeSent;
        private volatile String problem = "";
        /** The pause before the next attempt against the leader that just failed (0: none). */
        private volatile long pauseMillis;
        private volatile long backoffMillis = RETRY_PAUSE.toMillis();

        Forward(MethodDescriptor<Q, R> method, Q request, StreamObserver<R> response, Metadata headers,
                Deadline deadline, Context context, boolean quick, boolean repeatable) {
            this.method = method;
            this.request = request;
            this.response = response;
            this.headers = headers;
            this.deadline = deadline;
            this.context = context;
            this.quick = quick;
            this.repeatable = repeatable;
        }

        void next() {
            if (finished.get()) {
                return;
            }
            if (response instanceof ServerCallStreamObserver<R> s && s.isCancelled()) {
                finished.set(true);
                return;
            }
            long remaining = deadline.timeRemaining(TimeUnit.MILLISECONDS);
            if (remaining < MIN_ATTEMPT_MILLIS) {
                giveUp();
                return;
            }
            Optional<RegionMember> leader = target();
            if (leader.isEmpty()) {
                problem = "region " + raft.region() + " has no leader ready";
                // elected here and getting ready (no notification comes for that): look again soon
                boolean electedHere = raft.namedLeader().filter(raft.nodeId()::equals).isPresent();
                later(Math.min((electedHere ? RETRY_PAUSE : LEADER_RECHECK).toMillis(), remaining));
                return;
            }
            anyLeader = true;
            if (leader.get().nodeId().equals(failedLeader) && pauseMillis > 0) {
                // Ratis still names the leader that just failed: wait for it to name another, or a little
                long pause = pauseMillis;
                pauseMillis = 0; // the next pass sends
                later(Math.min(pause, remaining));
                return;
            }
            send(leader.get(), remaining);
        }

        /** Runs {@link #next} when Ratis names a leader, or after {@code millis}, whichever comes first. */
        private void later(long millis) {
            AtomicBoolean woken = new AtomicBoolean();
            AutoCloseable[] subscription = new AutoCloseable[1];
            Runnable wake = () -> {
                if (woken.compareAndSet(false, true)) {
                    closeQuietly(subscription[0]);
                    next();
                }
            };
            subscription[0] = raft.onLeaderChange(wake);
            try {
                timer.schedule(wake, millis, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                closeQuietly(subscription[0]);
                finish(Statuses.of(Reason.NOT_READY, "node " + raft.nodeId() + " is shutting down; retry"));
            }
        }

        private void send(RegionMember leader, long remaining) {
            ManagedChannel channel = channels.computeIfAbsent(leader.clientAddress(),
                    address -> Grpc.newChannelBuilder(address, asNode).build());
            long budget = quick ? Math.min(remaining, ATTEMPT_TIMEOUT.toMillis()) : remaining;
            io.grpc.Channel intercepted = io.grpc.ClientInterceptors.intercept(channel,
                    MetadataUtils.newAttachHeadersInterceptor(headers));
            AtomicBoolean leaderChanged = new AtomicBoolean();
            ClientCall<Q, R>[] call = newCallArray(1);
            Runnable checkLeader = () -> {
                if (!raft.namedLeader().filter(leader.nodeId()::equals).isPresent() && leaderChanged.compareAndSet(false, true)) {
                    ClientCall<Q, R> c = call[0];
                    if (c != null) {
                        c.cancel("Ratis names a new leader", null); // stop forwarding to a leader Ratis no longer names
                    }
                }
            };
            AutoCloseable subscription = !quick ? null : raft.onLeaderChange(checkLeader);
            // started in the caller's context: its deadline bounds the attempt and its cancellation cancels it
            Context previous = context.attach();
            try {
                call[0] = intercepted.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(budget, TimeUnit.MILLISECONDS));
                ClientCalls.asyncUnaryCall(call[0], request, new StreamObserver<>() {
                    private R value;

                    @Override
                    public void onNext(R v) {
                        value = v;
                    }

                    @Override
                    public void onError(Throwable t) {
                        closeQuietly(subscription);
                        failed(leader.nodeId(), t, leaderChanged.get());
                    }

                    @Override
                    public void onCompleted() {
                        closeQuietly(subscription);
                        boolean gone = response instanceof ServerCallStreamObserver<R> s && s.isCancelled();
                        if (finished.compareAndSet(false, true) && !gone) {
                            response.onNext(value);
                            response.onCompleted();
                        }
                    }
                });
            } finally {
                context.detach(previous);
            }
            if (quick && raft.namedLeader().filter(leader.nodeId()::equals).isEmpty()) {
                // the leader changed while this attempt was being started (its notification came too early to cut it)
                checkLeader.run();
            }
        }

        private void failed(String leader, Throwable t, boolean leaderChanged) {
            failedLeader = leader;
            pauseMillis = leaderChanged ? 0 : backoffMillis;
            backoffMillis = Math.min(backoffMillis * 2, LEADER_RECHECK.toMillis());
            ErrorInfo info = Statuses.errorInfo(t);
            Status status = Status.fromThrowable(t);
            if (!info.getReason().isEmpty()) {
                boolean notRun = "true".equals(info.getMetadataOrDefault(NOT_RUN, ""));
                if (LEADER_MOVED.contains(info.getReason()) && (repeatable || notRun)) {
                    maybeSent |= !notRun;
                    problem = "leader " + leader + " answered " + info.getReason();
                    next();
                    return;
                }
                // the leader's own answer: the caller gets it as it is
                com.google.rpc.Status details = StatusProto.fromThrowable(t);
                finish(details != null ? StatusProto.toStatusRuntimeException(details) : status.asRuntimeException());
                return;
            }
            // a transport failure of the attempt itself: did the request possibly reach the leader?
            boolean notSent = status.getCode() == Status.Code.UNAVAILABLE && !leaderChanged && refused(t);
            maybeSent |= !notSent;
            problem = "forwarding to leader " + leader + " failed: " + status.getCode()
                    + (status.getDescription() == null ? "" : " " + status.getDescription());
            if (repeatable || notSent) {
                next();
            } else {
                giveUp();
            }
        }

        private void giveUp() {
            Reason reason = maybeSent ? Reason.FORWARD_OUTCOME_UNKNOWN
                    : !anyLeader ? Reason.NO_LEADER
                    : failedLeader != null ? Reason.LEADER_UNREACHABLE : Reason.DEADLINE_EXCEEDED;
            String message = switch (reason) {
                case FORWARD_OUTCOME_UNKNOWN -> "the write may have been committed (" + problem
                        + "); retry with the same request id or client request token";
                case DEADLINE_EXCEEDED -> "the call's deadline ran out before it could be forwarded";
                default -> problem + "; retry";
            };
            finish(Statuses.of(reason, message));
        }

        private void finish(io.grpc.StatusRuntimeException error) {
            boolean gone = response instanceof ServerCallStreamObserver<R> s && s.isCancelled();
            if (finished.compareAndSet(false, true) && !gone) {
                response.onError(error);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <Q, R> ClientCall<Q, R>[] newCallArray(int n) {
        return (ClientCall<Q, R>[]) new ClientCall<?, ?>[n];
    }

    /** The connection to the leader was refused: nothing was sent. */
    private static boolean refused(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ConnectException) {
                return true;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return false;
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // removing a listener does not fail
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
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
