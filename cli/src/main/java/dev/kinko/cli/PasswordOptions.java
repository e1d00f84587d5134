package dev.kinko.cli;

import dev.kinko.proto.v1.GetRandomPasswordRequest;
import picocli.CommandLine.Option;

/**
 * The options of the server's password generator (GetRandomPassword): a mixin of
 * {@code kinko secret random-password} and the shape of {@code --generate-password}.
 * Field initialisers hold the defaults, so an instance nobody matched (a group left
 * out) asks for the same password as one with every option at its default.
 */
final class PasswordOptions {
    static final int DEFAULT_LENGTH = 32;

    @Option(names = "--length", paramLabel = "N", defaultValue = "" + DEFAULT_LENGTH,
            description = "Password length, 1-4096 (default: ${DEFAULT-VALUE}).")
    int length = DEFAULT_LENGTH;

    @Option(names = "--exclude-characters", paramLabel = "CHARS", description = "Never use these characters.")
    String exclude;

    @Option(names = "--exclude-numbers", description = "No digits.")
    boolean noNumbers;

    @Option(names = "--exclude-punctuation", description = "No punctuation.")
    boolean noPunctuation;

    @Option(names = "--exclude-uppercase", description = "No uppercase letters.")
    boolean noUppercase;

    @Option(names = "--exclude-lowercase", description = "No lowercase letters.")
    boolean noLowercase;

    @Option(names = "--include-space", description = "May contain spaces.")
    boolean space;

    @Option(names = "--no-require-each-included-type", negatable = false,
            description = "Do not insist on one character of every included kind.")
    boolean noRequireEach;

    GetRandomPasswordRequest request() {
        GetRandomPasswordRequest.Builder r = GetRandomPasswordRequest.newBuilder().setPasswordLength(length)
                .setExcludeNumbers(noNumbers).setExcludePunctuation(noPunctuation).setExcludeUppercase(noUppercase)
                .setExcludeLowercase(noLowercase).setIncludeSpace(space).setRequireEachIncludedType(!noRequireEach);
        if (exclude != null) {
            r.setExcludeCharacters(exclude);
        }
        return r.build();
    }
}
