package dev.kinko.cli;

/** A failure the CLI explains itself (bad file, no address); printed as one line, exit 1. */
final class CliException extends RuntimeException {
    CliException(String message) {
        super(message);
    }
}
