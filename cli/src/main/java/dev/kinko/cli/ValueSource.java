package dev.kinko.cli;

import dev.kinko.client.KinkoClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * Where a new value comes from, exactly one of: {@code --value}, {@code --value-file}
 * ({@code -} reads standard input) or {@code --generate-password} (the server's
 * generator, with the options of {@code kinko secret random-password}). Use it as an
 * exclusive {@code @ArgGroup}; the value itself is never printed or logged.
 */
final class ValueSource {
    static final String HEADING = "The value (exactly one of):%n";
    /** Its argument is a secret value: KinkoCli keeps it out of usage errors. */
    static final String VALUE_OPTION = "--value";

    @Option(names = VALUE_OPTION, paramLabel = "V", required = true,
            description = "The value (it lands in your shell history; prefer --value-file).")
    String value;

    @Option(names = "--value-file", paramLabel = "FILE", required = true,
            description = "Read the value from FILE, or from standard input with '-'.")
    String file;

    @ArgGroup(exclusive = false, multiplicity = "1")
    Generated generated;

    /** {@code --generate-password} and, optionally, the shape of the password. */
    static final class Generated {
        @Option(names = "--generate-password", required = true,
                description = "A random password made by the server, shaped by the password options "
                        + "above (as in 'kinko secret random-password'); never printed.")
        boolean generate;

        @ArgGroup(exclusive = false, multiplicity = "0..1",
                heading = "Password options (with --generate-password):%n")
        PasswordOptions options;
    }

    /** The value to store; {@code client} is only called for a generated password. */
    String read(KinkoClient client) {
        if (value != null) {
            return value;
        }
        if (generated != null) {
            PasswordOptions shape = generated.options != null ? generated.options : new PasswordOptions();
            return client.secrets(s -> s.getRandomPassword(shape.request())).getRandomPassword();
        }
        try {
            byte[] bytes = file.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(file));
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliException("cannot read " + file + ": " + e.getMessage());
        }
    }
}
