package dev.kinko.example.rotator;

/**
 * A step that did not succeed, with a message fit for ReportRotationStep's error_message: the
 * region stores it and DescribeSecret shows it, so it never holds a password or a driver's text
 * (which may quote SQL).
 */
final class StepFailure extends Exception {
    StepFailure(String message) {
        super(message);
    }
}
