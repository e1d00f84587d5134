package dev.kinko.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts the calls a client starts, per gRPC method name (e.g. "GetSecretValue"). */
final class CallCounter implements ClientInterceptor {
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        counts.computeIfAbsent(method.getBareMethodName(), m -> new AtomicInteger()).incrementAndGet();
        return next.newCall(method, options);
    }

    int count(String method) {
        AtomicInteger c = counts.get(method);
        return c == null ? 0 : c.get();
    }
}
