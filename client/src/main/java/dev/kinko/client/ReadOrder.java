package dev.kinko.client;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The regions in the order one read tries them: order of preference, but a resting region goes
 * last. It is still tried when the others are unreachable, so no read fails without trying every
 * region. Lazy, so only a read that gets to a region claims its probe.
 */
final class ReadOrder implements Iterator<Region> {
    private final Iterator<Region> preferred;
    private final RegionHealth health;
    private final Deque<Region> resting = new ArrayDeque<>();
    private Region next;

    ReadOrder(List<Region> regions, RegionHealth health) {
        this.preferred = regions.iterator();
        this.health = health;
    }

    @Override
    public boolean hasNext() {
        while (next == null && preferred.hasNext()) {
            Region r = preferred.next();
            switch (health.turn(r.label())) {
                case TRY -> next = r;
                case PROBE -> {
                    r.reconnectNow();
                    next = r;
                }
                case REST -> resting.add(r);
            }
        }
        if (next == null) {
            next = resting.poll();
        }
        return next != null;
    }

    @Override
    public Region next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Region r = next;
        next = null;
        return r;
    }
}
