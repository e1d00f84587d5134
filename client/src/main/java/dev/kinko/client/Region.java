package dev.kinko.client;

import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptor;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.List;

/** One region: its nodes' channels and the node tried first. */
final class Region {
    final String name;
    final List<ManagedChannel> channels = new ArrayList<>();
    private int preferred;

    Region(String name, List<String> addresses, ChannelCredentials credentials, List<ClientInterceptor> interceptors) {
        this.name = name;
        for (String address : addresses) {
            channels.add(Grpc.newChannelBuilder(address, credentials)
                    .intercept(interceptors).build());
        }
    }

    /** A region back from a rest is probed now, not when the channels' own reconnect backoff ends. */
    void reconnectNow() {
        channels.forEach(ManagedChannel::resetConnectBackoff);
    }

    synchronized int preferred() {
        return preferred;
    }

    synchronized void moveOn(int failed) {
        if (preferred == failed) {
            preferred = (failed + 1) % channels.size();
        }
    }

    String label() {
        return name == null ? "(unnamed)" : name;
    }
}
