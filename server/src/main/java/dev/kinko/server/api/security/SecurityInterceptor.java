package dev.kinko.server.api.security;

import dev.kinko.server.audit.AuditEvent;
import dev.kinko.server.audit.AuditLog;
import dev.kinko.server.audit.AuditUnavailableException;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.policy.Decision;
import dev.kinko.server.rpc.Statuses;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import java.net.SocketAddress;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLSession;

/**
 * The one gate every call passes (health checks excepted): authenticate, rate-limit, check the
 * policy, write the audit line, and only then serve. The audit line is written before the call
 * runs, so a node that cannot write it serves nothing (audit fails closed).
 */
public final class SecurityInterceptor implements ServerInterceptor {
    public static final Metadata.Key<String> REQUEST_ID = Metadata.Key.of("kinko-request-id", Metadata.ASCII_STRING_MARSHALLER);

    private final String nodeId;
    private final Authenticator authenticator;
    private final AccessControl access;
    private final AuditLog audit;
    private final RateLimiter limiter;
    private final Clock clock;
    private final BooleanSupplier caughtUp;
    private final AtomicLong auditRefusals = new AtomicLong();

    /**
     * @param caughtUp whether this node's state is at least what the region had committed when
     *                 the node started; until then every call is refused (NOT_READY), audited,
     *                 because a token or a policy read from older state may since have been revoked
     */
    public SecurityInterceptor(String nodeId, Authenticator authenticator, AccessControl access, AuditLog audit,
                               RateLimiter limiter, Clock clock, BooleanSupplier caughtUp) {
        this.caughtUp = caughtUp;
        this.nodeId = nodeId;
        this.authenticator = authenticator;
        this.access = access;
        this.audit = audit;
        this.limiter = limiter;
        this.clock = clock;
    }

    /** Requests refused because the audit line could not be written. */
    public long auditRefusals() {
        return auditRefusals.get();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        String source = remote == null ? "" : remote.toString();
        String requestId = headers.get(REQUEST_ID) == null ? "" : headers.get(REQUEST_ID);
        String action = MethodActions.open(method) ? method : MethodActions.actionOf(method);
        if (action == null) { // a method without an action is refused, and audited as such
            if (!write(call, event("", "", source, method, "", "", AuditEvent.DENIED, Reason.ACCESS_DENIED.name(),
                    requestId))) {
                return new ServerCall.Listener<>() { };
            }
            return refuse(call, Reason.ACCESS_DENIED, "method " + method + " is not served");
        }
        if (!caughtUp.getAsBoolean()) {
            if (!write(call, event("", "", source, action, "", "", AuditEvent.DENIED, Reason.NOT_READY.name(), requestId))) {
                return new ServerCall.Listener<>() { };
            }
            return refuse(call, Reason.NOT_READY, "node " + nodeId + " has not caught up with its region since it "
                    + "started (its region has no leader yet, or it is still applying); retry, or try another node");
        }
        Caller caller;
        try {
            SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
            caller = authenticator.authenticate(headers, session, source);
        } catch (KinkoException e) {
            if (!write(call, event("", "", source, action, "", "", AuditEvent.DENIED, e.reason().name(), requestId))) {
                return new ServerCall.Listener<>() { };
            }
            return refuse(call, e.reason(), e.getMessage());
        }
        boolean forwarded = headers.get(Authenticator.FORWARDED_PRINCIPAL) != null;
        if (!forwarded && !limiter.tryAcquire(caller.principal(), System.nanoTime())) {
            if (!write(call, event(caller, action, "", "", AuditEvent.DENIED, Reason.RATE_LIMITED.name(), requestId))) {
                return new ServerCall.Listener<>() { };
            }
            return refuse(call, Reason.RATE_LIMITED, "too many requests from " + caller.principal() + "; retry later");
        }
        Context context = Context.current().withValue(Caller.CURRENT, caller);
        ServerCall.Listener<Q> delegate = Contexts.interceptCall(context, call, headers, next);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
            private boolean refused;

            @Override
            public void onMessage(Q request) {
                if (refused) {
                    return;
                }
                MethodActions.Access a = MethodActions.accessOf(method, request);
                Decision d = decide(caller, a);
                String reason = d.allowed() ? "" : Reason.ACCESS_DENIED.name();
                if (!write(call, event(caller, a.action(), a.resource(), a.version(), d.allowed() ? AuditEvent.ALLOWED : AuditEvent.DENIED,
                        reason, requestId))) {
                    refused = true;
                    return;
                }
                if (!d.allowed()) {
                    refused = true;
                    close(call, Statuses.of(Reason.ACCESS_DENIED, caller.principal() + " may not "
                            + a.action() + (a.scope() == MethodActions.Scope.SECRET || a.scope() == MethodActions.Scope.NEW_SECRET
                            ? " on " + a.resource() : "")));
                    return;
                }
                super.onMessage(request);
            }

            @Override
            public void onHalfClose() {
                if (!refused) {
                    super.onHalfClose();
                }
            }
        };
    }

    private Decision decide(Caller caller, MethodActions.Access a) {
        return switch (a.scope()) {
            case NONE -> Decision.ALLOW;
            case REGION -> access.decideOnRegion(caller, a.action());
            case NEW_SECRET -> access.decideOnNewSecret(caller, a.action(), a.resource(), a.newTags());
            case SECRET -> access.decideOnSecret(caller, a.action(), a.resource());
        };
    }

    private AuditEvent event(Caller caller, String action, String resource, String version, String outcome,
                             String reason, String requestId) {
        return event(caller.principal(), caller.accessor(), caller.source(), action, resource, version, outcome, reason,
                requestId);
    }

    /** An unauthenticated call has no principal: its line says so with an empty one. */
    private AuditEvent event(String principal, String accessor, String source, String action, String resource,
                             String version, String outcome, String reason, String requestId) {
        return new AuditEvent(clock.instant(), nodeId, principal, accessor, source, action, resource, version, outcome,
                reason, requestId);
    }

    /**
     * Audits a call refused before it reached the gRPC API (the AWS endpoint's signature check);
     * false when the line could not be written, and the call must then be refused for that.
     */
    public boolean auditRefusedAuthentication(String source, String action, String requestId) {
        try {
            audit.append(event("", "", source, action, "", "", AuditEvent.DENIED, Reason.UNAUTHENTICATED.name(),
                    requestId));
            return true;
        } catch (AuditUnavailableException failed) {
            auditRefusals.incrementAndGet();
            return false;
        }
    }

    /**
     * The caller's rate limit, for a call that reaches the gRPC API as a forwarded one (the AWS
     * endpoint's): false when it is over its limit, with the refusal audited as for a gRPC call.
     */
    public boolean admit(Caller caller, String action, String requestId) {
        if (limiter.tryAcquire(caller.principal(), System.nanoTime())) {
            return true;
        }
        try {
            audit.append(event(caller, action, "", "", AuditEvent.DENIED, Reason.RATE_LIMITED.name(), requestId));
        } catch (AuditUnavailableException failed) {
            auditRefusals.incrementAndGet();
        }
        return false;
    }

    /** Writes the audit line; when it cannot be written the call is refused and counted. */
    private boolean write(ServerCall<?, ?> call, AuditEvent e) {
        try {
            audit.append(e);
            return true;
        } catch (AuditUnavailableException failed) {
            auditRefusals.incrementAndGet();
            close(call, Statuses.of(Reason.AUDIT_UNAVAILABLE,
                    "this node cannot write its audit log, so it serves nothing; try another node"));
            return false;
        }
    }

    private static <Q> ServerCall.Listener<Q> refuse(ServerCall<Q, ?> call, Reason reason, String message) {
        close(call, Statuses.of(reason, message));
        return new ServerCall.Listener<>() { };
    }

    private static void close(ServerCall<?, ?> call, StatusRuntimeException s) {
        call.close(s.getStatus(), s.getTrailers() == null ? new Metadata() : s.getTrailers());
    }
}
