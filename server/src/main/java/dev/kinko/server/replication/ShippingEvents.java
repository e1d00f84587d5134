package dev.kinko.server.replication;

import java.util.function.IntConsumer;

/**
 * What happens to one link's batches, for the metrics:
 * <ul>
 *   <li>how much of its window ({@link ShippingSettings#MAX_BATCHES_IN_FLIGHT}) the shipper uses: the
 *       batches unanswered each time it sends one, that one included. Always 1 means each batch is
 *       answered before the next has anything to carry; always the maximum means the link (or the
 *       replica region's Raft) is what holds shipping back;</li>
 *   <li>the batches it gave up on before their answers were handled: after a failed one, those
 *       behind it are cancelled and sent again (also at a stop, a fencing or an address change);</li>
 *   <li>the times it went back to what the replica region holds, which had applied less than it
 *       acknowledged: a region restored from a backup.</li>
 * </ul>
 */
public final class ShippingEvents {
    private volatile IntConsumer sentObserver = n -> { };
    private volatile IntConsumer cancelObserver = n -> { };
    private volatile Runnable rewindObserver = () -> { };

    void sent(int unanswered) {
        sentObserver.accept(unanswered);
    }

    void cancelled(int batches) {
        cancelObserver.accept(batches);
    }

    void rewound() {
        rewindObserver.run();
    }

    /** Hands every send's count of unanswered batches to {@code observer}. */
    public void observeSent(IntConsumer observer) {
        this.sentObserver = observer;
    }

    /** Hands the number of batches cancelled unanswered, each time some are, to {@code observer}. */
    public void observeCancelled(IntConsumer observer) {
        this.cancelObserver = observer;
    }

    /** Runs {@code observer} each time shipping goes back to what a restored replica region holds. */
    public void observeRewinds(Runnable observer) {
        this.rewindObserver = observer;
    }
}
