package dev.kinko.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** A value from {@code --value} or {@code --value-file} ({@code -} reads standard input). */
final class ValueSource {
    @Option(names = "--value", paramLabel = "V", required = true,
            description = "The value (it lands in your shell history; prefer --value-file).")
    String value;

    @Option(names = "--value-file", paramLabel = "FILE", required = true,
            description = "Read the value from FILE, or from standard input with '-'.")
    String file;

    String read() {
        if (value != null) {
            return value;
        }
        try {
            byte[] bytes = file.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(file));
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliException("cannot read " + file + ": " + e.getMessage());
        }
    }
}
