package dev.kinko.cli;

import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** How the CLI prints values that are not text. */
final class Formats {
    private Formats() {}

    static String time(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
