package dev.kinko.server.replication;

import java.util.function.IntConsumer;

/**
 * How much of its window ({@link ShippingSettings#MAX_BATCHES_IN_FLIGHT}) one link's shipper
 * uses: the batches unanswered each time it sends one, that one included. Always 1 means each
 * batch is answered before the next has anything to carry; always the maximum means the link
 * (or the replica region's Raft) is what holds shipping back.
 */
public final class ShippingWindow {
    private volatile IntConsumer observer = n -> { };

    void sent(int unanswered) {
        observer.accept(unanswered);
    }

    /** Hands every send's count to {@code observer} (the metrics). */
    public void observe(IntConsumer observer) {
        this.observer = observer;
    }
}
