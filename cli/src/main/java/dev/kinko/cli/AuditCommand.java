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
import picocli.CommandLine.Mixin;
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

        @Mixin
        Target target;

        @Spec
        CommandSpec spec;

        private List<ChainHead> regionAnchors() throws java.io.IOException {
            String node = nodeOf(files);
            try (dev.kinko.client.KinkoClient client = target.client()) {
                return client.admin(a -> a.getAuditHeads(dev.kinko.proto.v1.GetAuditHeadsRequest.getDefaultInstance()))
                        .getHeadsList().stream().filter(h -> h.getNodeId().equals(node))
                        .map(h -> new ChainHead(h.getFile(), h.getSeq(), h.getHash())).toList();
            }
        }

        @Override
        public Integer call() throws Exception {
            if (target.addr != null) {
                anchors.addAll(regionAnchors());
            }
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

    /**
     * With {@code --addr}: the chain head the region recorded for the node that wrote the files
     * (named in their lines), so a cut tail shows without handing anchors over by hand.
     */
    private static String nodeOf(List<Path> files) throws java.io.IOException {
        for (Path f : files) {
            try (java.io.BufferedReader r = java.nio.file.Files.newBufferedReader(f)) {
                String first = r.readLine();
                if (first != null) {
                    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(first).path("node").asText();
                }
            }
        }
        throw new CliException("the audit files are empty: no node to ask the region about");
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
