package dev.kinko.cli;

import dev.kinko.server.audit.AuditVerifier;
import dev.kinko.server.audit.ChainHead;
import dev.kinko.server.audit.VerifyResult;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kinko audit ...}: a node's tamper-evident audit log. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "A node's tamper-evident audit log.",
        subcommands = {AuditCommand.Verify.class})
final class AuditCommand {

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Check audit files as one hash chain: no line edited, removed or reordered.",
                    "A cut tail (the newest lines removed) shows only against an anchor: a chain head recorded elsewhere."})
    static final class Verify implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "FILE", description = "The node's audit-<seq>.jsonl files, in any order.")
        List<Path> files;

        @Option(names = "--anchor", paramLabel = "FILE:SEQ:HASH", converter = AnchorConverter.class,
                description = "A chain head recorded elsewhere: the line with SEQ must be in FILE (a name) with HASH.")
        List<ChainHead> anchors = new ArrayList<>();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            VerifyResult r;
            try {
                r = AuditVerifier.verify(files, anchors);
            } catch (NoSuchFileException e) {
                throw new CliException("no such file: " + e.getFile());
            }
            VerifyResult.Break b = r.broken();
            if (b != null) {
                throw new CliException("audit chain broken at " + b.file() + " line " + b.line() + " (seq " + b.seq() + "): "
                        + b.reason());
            }
            spec.commandLine().getOut().println("ok: " + r.lines() + " lines in " + r.files() + " files, seq " + r.startsAt()
                    + ".." + r.endsAt());
            return 0;
        }
    }

    /** {@code FILE:SEQ:HASH}, as a node's chain head is printed. */
    static final class AnchorConverter implements ITypeConverter<ChainHead> {
        private static final Pattern ANCHOR = Pattern.compile("([^:]+):(\\d{1,19}):([0-9a-f]{64})");

        @Override
        public ChainHead convert(String value) {
            Matcher m = ANCHOR.matcher(value);
            if (!m.matches()) {
                throw new CommandLine.TypeConversionException("expected FILE:SEQ:HASH (a file name, a seq, 64 hex digits)");
            }
            return new ChainHead(m.group(1), Long.parseLong(m.group(2)), m.group(3));
        }
    }
}
