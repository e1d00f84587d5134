package dev.kinko.server.domain.rotation;

import dev.kinko.proto.v1.RotationRules;
import dev.kinko.proto.v1.RotationStep;
import java.util.random.RandomGenerator;

/** When the next rotation starts: a random time in the next window of the rules, as the leader decides it. */
public final class NextRotation {
    private NextRotation() {}

    /** {@code base} is the last rotation (or the configuration time); the window has not ended by {@code now}. */
    public static long after(RotationRules rules, long base, long now, RandomGenerator random) {
        return RotationSchedule.parse(rules).nextWindow(base, now).pick(random);
    }

    /** AWS's name of a step, for messages. */
    public static String stepName(RotationStep step) {
        return switch (step) {
            case ROTATION_STEP_CREATE_SECRET -> "createSecret";
            case ROTATION_STEP_SET_SECRET -> "setSecret";
            case ROTATION_STEP_TEST_SECRET -> "testSecret";
            case ROTATION_STEP_FINISH_SECRET -> "finishSecret";
            default -> step.name();
        };
    }
}
