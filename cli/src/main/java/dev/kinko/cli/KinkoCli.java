package dev.kinko.cli;

import dev.kinko.client.KinkoException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The {@code kinko} command. Exit codes: 0 success, 1 error (one line on
 * stderr with the reason), 2 usage error.
 */
@Command(name = "kinko", mixinStandardHelpOptions = true, versionProvider = KinkoCli.Version.class,
        description = "Kinko: a self-hosted secret store with cross-region replication.",
        subcommands = {SecretCommand.class, RegionCommand.class, ClusterCommand.class, PolicyCommand.class, TokenCommand.class,
                WhoamiCommand.class, PkiCommand.class, AuditCommand.class, ServerCommand.class, AgentCommand.class, DevCommand.class, CdsArchiveCommand.class, KeygenCommand.class,
                CommandLine.HelpCommand.class, picocli.AutoComplete.GenerateCompletion.class})
public final class KinkoCli {
    public static final int EXIT_ERROR = 1;
    public static final int EXIT_USAGE = 2;
    /** Options whose argument is a secret: a usage error never repeats it. */
    static final java.util.List<String> SECRET_OPTIONS = java.util.List.of(ValueSource.VALUE_OPTION, "--token");

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
            err.println("kinko: " + usageMessage(ex, a));
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((ex, c, parsed) -> {
            err.println("kinko: " + oneLine(ex));
            return EXIT_ERROR;
        });
        return cli.execute(args);
    }

    /**
     * A usage error as one line: picocli's message, but "give only one of ..." for an exclusive
     * group with subgroups (picocli prints their whole synopsis, and the arguments given), and
     * never the argument of --value or --token (picocli quotes arguments it refuses).
     */
    static String usageMessage(CommandLine.ParameterException ex, String[] args) {
        String message = ex.getMessage();
        if (ex instanceof CommandLine.MutuallyExclusiveArgsException
                || ex instanceof CommandLine.MaxValuesExceededException && message.startsWith("Error: expected only one match")) {
            for (ArgGroupSpec group : ex.getCommandLine().getCommandSpec().argGroups()) {
                String said = message;
                if (group.exclusive() && !group.subgroups().isEmpty() && (said.contains(group.synopsis())
                        || group.subgroups().stream().anyMatch(g -> said.contains(g.synopsis())))) {
                    List<String> names = new ArrayList<>();
                    group.options().forEach(o -> names.add(o.longestName()));
                    group.subgroups().forEach(g -> g.options().stream().filter(OptionSpec::required).findFirst()
                            .ifPresent(o -> names.add(o.longestName())));
                    message = "Error: give only one of " + String.join(", ", names);
                }
            }
        }
        for (String option : SECRET_OPTIONS) {
            for (int i = 0; i < args.length; i++) {
                String value = null;
                if (args[i].equals(option) && i + 1 < args.length) {
                    value = args[i + 1];
                } else if (args[i].startsWith(option + "=")) {
                    value = args[i].substring(option.length() + 1);
                }
                if (value != null && !value.isEmpty()) {
                    message = message.replace(option + "=" + value, option + "=(hidden)")
                            .replace("'" + value + "'", "'(hidden)'");
                }
            }
        }
        return message.replace('\n', ' ');
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
