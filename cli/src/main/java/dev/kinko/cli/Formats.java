package dev.kinko.cli;

import com.google.protobuf.Timestamp;
import dev.kinko.proto.v1.ReplicationState;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** How the CLI prints values that are not text. */
final class Formats {
    private Formats() {}

    /** IN_SYNC reads as InSync, as in AWS. */
    static String state(ReplicationState s) {
        return switch (s) {
            case REPLICATION_STATE_IN_SYNC -> "InSync";
            case REPLICATION_STATE_IN_PROGRESS -> "InProgress";
            case REPLICATION_STATE_FAILED -> "Failed";
            default -> "Unknown";
        };
    }

    static String time(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
