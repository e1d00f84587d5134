package dev.kinko.server.domain.command.keys;

import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import java.util.stream.IntStream;

/** Key versions count up by one; a leader that proposed from a stale view is told to retry. */
final class KeyVersions {
    private KeyVersions() {}

    static void checkNext(String kind, int version, IntStream held) {
        int newest = held.max().orElse(0);
        if (version != newest + 1) {
            throw new KinkoException(Reason.REGION_KEY_CONFLICT,
                    kind + " version " + version + " does not follow version " + newest + "; retry");
        }
    }
}
