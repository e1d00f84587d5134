package dev.kinko.example.rotator;

import dev.kinko.proto.v1.ReceiveRotationJobsResponse;

/** Told of every job the rotator handled, after its report (metrics, tests). */
@FunctionalInterface
public interface StepListener {
    StepListener NONE = (job, error, accepted) -> { };

    /**
     * @param error    empty when the step succeeded, else what was reported
     * @param accepted whether the region took the report (false: a repeat, or the rotation moved on)
     */
    void stepHandled(ReceiveRotationJobsResponse job, String error, boolean accepted);
}
