package dev.kinko.cli;

import dev.kinko.server.crypto.MasterKeyFile;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kinko keygen FILE}: a region's master key file, made once and copied to its nodes. */
@Command(name = "keygen", mixinStandardHelpOptions = true,
        description = {"Make a new region master key file (mode 0600); never overwrites one.",
                "Copy it to every node of the region (the key_file of their configs) and keep a copy apart:",
                "without it the region's data cannot be decrypted."})
final class KeygenCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "Where to write the key file.")
    Path file;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        MasterKeyFile.generate(file);
        spec.commandLine().getOut().println("wrote a new region master key to " + file
                + "; copy it to every node of the region");
        return 0;
    }
}
