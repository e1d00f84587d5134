package dev.kinko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kinko.server.audit.AuditEvent;
import dev.kinko.server.audit.AuditLog;
import dev.kinko.server.audit.ChainHead;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code kinko audit verify}: ok with counts, or one line naming the first bad place, exit 1. */
class AuditCommandTest {
    @TempDir
    Path dir;

    record Result(int code, String out, String err) {}

    /** Runs the command as KinkoCli would once it registers it: same exit codes and one-line errors. */
    static Result audit(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        PrintWriter errWriter = new PrintWriter(err, true);
        CommandLine cli = new CommandLine(new AuditCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(errWriter);
        cli.setExecutionExceptionHandler((ex, c, parsed) -> {
            errWriter.println("kinko: " + KinkoCli.oneLine(ex));
            return KinkoCli.EXIT_ERROR;
        });
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    List<String> log(int events) throws Exception {
        Path audit = dir.resolve("audit");
        ChainHead head;
        try (AuditLog log = AuditLog.open(audit, "tokyo-1", 4096)) {
            for (int i = 1; i <= events; i++) {
                log.append(new AuditEvent(Instant.now(), "tokyo-1", "svc", "acc-" + i, "127.0.0.1:5000", "GetSecretValue",
                        "prod/db/password", "", AuditEvent.ALLOWED, "", "req-" + i));
            }
            head = log.head();
        }
        List<String> args = new ArrayList<>(List.of("verify"));
        try (Stream<Path> files = Files.list(audit)) {
            files.sorted().forEach(f -> args.add(f.toString()));
        }
        args.add(head.file() + ":" + head.seq() + ":" + head.hash()); // the anchor, as the last argument
        return args;
    }

    @Test
    void anIntactLogIsOkAndABrokenOneNamesTheFirstBadLine() throws Exception {
        List<String> args = log(60);
        String anchor = args.remove(args.size() - 1);
        int files = args.size() - 1;
        assertThat(files).isGreaterThan(1);
        args.add("--anchor");
        args.add(anchor);

        Result ok = audit(args.toArray(String[]::new));
        assertThat(ok.err()).isEmpty();
        assertThat(ok.code()).isZero();
        assertThat(ok.out()).isEqualTo("ok: 60 lines in " + files + " files, seq 1..60" + System.lineSeparator());

        Path first = Path.of(args.get(1));
        List<String> lines = new ArrayList<>(Files.readAllLines(first));
        lines.set(2, lines.get(2).replace("\"principal\":\"svc\"", "\"principal\":\"someone-else\""));
        Files.write(first, lines);
        Result broken = audit(args.toArray(String[]::new));
        assertThat(broken.code()).isEqualTo(KinkoCli.EXIT_ERROR);
        assertThat(broken.out()).isEmpty();
        assertThat(broken.err()).isEqualTo("kinko: audit chain broken at " + first.getFileName()
                + " line 3 (seq 3): hash does not match (line edited)" + System.lineSeparator());
    }

    @Test
    void aCutTailFailsAgainstItsAnchor() throws Exception {
        List<String> args = log(20);
        String anchor = args.remove(args.size() - 1);
        Path last = Path.of(args.get(args.size() - 1));
        List<String> lines = Files.readAllLines(last);
        Files.write(last, lines.subList(0, lines.size() - 1));

        assertThat(audit(args.toArray(String[]::new)).code()).as("without an anchor a cut tail is a valid chain").isZero();
        args.add("--anchor=" + anchor);
        Result cut = audit(args.toArray(String[]::new));
        assertThat(cut.code()).isEqualTo(KinkoCli.EXIT_ERROR);
        assertThat(cut.err()).startsWith("kinko: audit chain broken at " + last.getFileName() + " line " + lines.size()
                + " (seq 20): tail cut: the log ends at line " + (lines.size() - 1)).contains("an anchor records seq 20");
    }

    @Test
    void aMalformedAnchorIsAUsageError() throws Exception {
        List<String> args = log(1);
        args.set(args.size() - 1, "--anchor=audit-1.jsonl:seven:abc");
        Result r = audit(args.toArray(String[]::new));
        assertThat(r.code()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(r.err()).contains("FILE:SEQ:HASH");
    }
}
