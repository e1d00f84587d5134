package dev.kinko.cli;

import com.google.protobuf.Timestamp;
import dev.kinko.proto.v1.ReplicationState;
import dev.kinko.proto.v1.RotationRules;
import dev.kinko.proto.v1.RotationStep;
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

    /** AWS's names of the four rotation steps (createSecret, setSecret, testSecret, finishSecret). */
    static String step(RotationStep s) {
        return switch (s) {
            case ROTATION_STEP_CREATE_SECRET -> "createSecret";
            case ROTATION_STEP_SET_SECRET -> "setSecret";
            case ROTATION_STEP_TEST_SECRET -> "testSecret";
            case ROTATION_STEP_FINISH_SECRET -> "finishSecret";
            default -> "unknown step";
        };
    }

    /** "every 30 days, window 3h" or "rate(6 hours)"; the window only when one was given. */
    static String rules(RotationRules r) {
        int days = r.getAutomaticallyAfterDays();
        String schedule = days != 0 ? "every " + days + (days == 1 ? " day" : " days") : r.getScheduleExpression();
        return schedule + (r.getDuration().isEmpty() ? "" : ", window " + r.getDuration());
    }

    static String time(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
