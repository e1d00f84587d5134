package dev.kinko.cli;

import dev.kinko.client.KinkoException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code kinko} command. Exit codes: 0 success, 1 error (one line on
 * stderr with the reason), 2 usage error.
 */
@Command(name = "kinko", mixinStandardHelpOptions = true, versionProvider = KinkoCli.Version.class,
        description = "Kinko: a self-hosted secret store with cross-region replication.",
        subcommands = {SecretCommand.class, RegionCommand.class, ClusterCommand.class, ServerCommand.class, DevCommand.class,
                CommandLine.HelpCommand.class, picocli.AutoComplete.GenerateCompletion.class})
public final class KinkoCli {
    public static final int EXIT_ERROR = 1;
    public static final int EXIT_USAGE = 2;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line; the streams let tests capture what a user sees. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new KinkoCli());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExitCodeExceptionMapper(e -> EXIT_ERROR);
        cli.setParameterExceptionHandler((ex, a) -> {
            err.println("kinko: " + ex.getMessage());
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((ex, c, parsed) -> {
            err.println("kinko: " + oneLine(ex));
            return EXIT_ERROR;
        });
        return cli.execute(args);
    }

    static String oneLine(Throwable e) {
        String message;
        if (e instanceof KinkoException k) {
            message = k.getMessage();
        } else if (e instanceof CliException || e instanceof java.io.IOException
                || e instanceof IllegalArgumentException) {
            message = e.getMessage();
        } else {
            message = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        }
        return message.replace('\n', ' ');
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = KinkoCli.class.getPackage().getImplementationVersion();
            return new String[] {"kinko " + (v == null ? "dev" : v)};
        }
    }
}
