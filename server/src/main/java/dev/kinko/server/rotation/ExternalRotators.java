package dev.kinko.server.rotation;

import dev.kinko.proto.v1.ReceiveRotationJobsResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The external rotators subscribed to this node, by name. Only the leader sends them jobs; a
 * rotator subscribes on every node so whichever node leads can reach it.
 */
public final class ExternalRotators {
    /** Where a job goes: one subscriber's stream. {@code send} is false once the stream is gone. */
    public interface JobSink {
        /** Whether this subscriber may run the job (its caller's policies allow it on the secret). */
        boolean accepts(ReceiveRotationJobsResponse job);

        boolean send(ReceiveRotationJobsResponse job);
    }

    private final Map<String, List<JobSink>> subscribers = new ConcurrentHashMap<>();

    /** Adds a subscriber; run the returned action when its stream ends. */
    public Runnable subscribe(String name, JobSink sink) {
        subscribers.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(sink);
        return () -> subscribers.getOrDefault(name, List.of()).remove(sink);
    }

    /** Sends the job to one subscriber of {@code name}; false when none took it. */
    boolean send(String name, ReceiveRotationJobsResponse job) {
        for (JobSink sink : subscribers.getOrDefault(name, List.of())) {
            if (!sink.accepts(job)) {
                continue;
            }
            if (sink.send(job)) {
                return true;
            }
            subscribers.get(name).remove(sink);
        }
        return false;
    }

    public boolean connected(String name) {
        return !subscribers.getOrDefault(name, List.of()).isEmpty();
    }
}
