package dev.kinko.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the calls (each retry attempt is one) a client starts, per gRPC method name
 * (e.g. "GetSecretValue") and per node address, and keeps the order of the addresses called.
 */
final class CallCounter implements ClientInterceptor {
    private record Key(String method, String address) {
    }

    private final Map<Key, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final List<String> addresses = new ArrayList<>();

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        counts.computeIfAbsent(new Key(method.getBareMethodName(), next.authority()), k -> new AtomicInteger())
                .incrementAndGet();
        synchronized (addresses) {
            addresses.add(next.authority());
        }
        return next.newCall(method, options);
    }

    /** Calls of the method, to any node. */
    int count(String method) {
        return counts.entrySet().stream().filter(e -> e.getKey().method().equals(method))
                .mapToInt(e -> e.getValue().get()).sum();
    }

    /** Calls of the method to the nodes at the given comma-separated host:port addresses. */
    int count(String method, String nodeAddresses) {
        Set<String> nodes = Set.of(nodeAddresses.split(","));
        return counts.entrySet().stream()
                .filter(e -> e.getKey().method().equals(method) && nodes.contains(e.getKey().address()))
                .mapToInt(e -> e.getValue().get()).sum();
    }

    /** The node addresses called, in order. */
    List<String> addressesCalled() {
        synchronized (addresses) {
            return List.copyOf(addresses);
        }
    }
}
