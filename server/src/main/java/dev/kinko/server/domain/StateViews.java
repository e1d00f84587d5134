package dev.kinko.server.domain;

/** Opens consistent views of the committed state: one per request, so a read never sees half a write. */
public interface StateViews {
    /** A view of the state as it is now; close it when the request is answered. */
    View view();

    /** One point-in-time view (a RocksDB snapshot). */
    interface View extends StateQueries, AutoCloseable {
        @Override
        void close();
    }
}
