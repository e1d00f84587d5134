package dev.kinko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kinko.server.crypto.pki.PeerIdentity;
import dev.kinko.server.crypto.pki.PemFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code kinko pki}: what it writes, its one output line, and its usage (2) and refusal (1) exits. */
class PkiCommandTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {}

    /** Runs {@code pki ...} with KinkoCli's handling of failures: one line on stderr, exit 1. */
    static Result pki(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new PkiCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setExecutionExceptionHandler((ex, c, parsed) -> {
            c.getErr().println("kinko: " + KinkoCli.oneLine(ex));
            return KinkoCli.EXIT_ERROR;
        });
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    private static X509Certificate leaf(Path file) throws Exception {
        return PemFiles.readCertificates(file).get(0);
    }

    private static List<Object> sanValues(X509Certificate cert) throws Exception {
        return cert.getSubjectAlternativeNames().stream().<Object>map(l -> l.get(1)).toList();
    }

    @Test
    void initThenIssueOneOfEachKind() throws Exception {
        Path d = tmp.resolve("pki");
        Result init = pki("init", "--dir", d.toString());
        assertThat(init.code()).isZero();
        assertThat(init.out()).isEqualTo("wrote CA certificate " + d.resolve("ca.crt") + " and CA key " + d.resolve("ca.key")
                + System.lineSeparator());

        Result node = pki("issue", "node", "n1", "--dir", d.toString(), "--region", "tokyo",
                "--host", "kinko-1.example", "--host", "10.0.0.7", "--days", "30");
        assertThat(node.code()).as(node.err()).isZero();
        assertThat(node.out()).isEqualTo("wrote node:tokyo/n1 certificate " + d.resolve("nodes/n1.crt") + " and key "
                + d.resolve("nodes/n1.key") + System.lineSeparator());
        X509Certificate n1 = leaf(d.resolve("nodes/n1.crt"));
        assertThat(PeerIdentity.of(n1)).contains(PeerIdentity.node("tokyo", "n1"));
        assertThat(sanValues(n1))
                .containsExactly("kinko-1.example", "10.0.0.7", "kinko://node/tokyo/n1");
        assertThat(Duration.between(n1.getNotBefore().toInstant(), n1.getNotAfter().toInstant())).isGreaterThan(Duration.ofDays(30))
                .isLessThan(Duration.ofDays(31));

        assertThat(pki("issue", "region", "osaka", "--dir", d.toString()).code()).isZero();
        assertThat(pki("issue", "region", "kyoto", "--dir", d.toString(), "--region", "kyoto").code()).isZero();
        Result client = pki("issue", "client", "billing", "--dir", d.toString());
        assertThat(client.code()).isZero();
        assertThat(client.out()).startsWith("wrote client:billing certificate ");

        assertThat(PeerIdentity.of(leaf(d.resolve("regions/osaka.crt")))).contains(PeerIdentity.region("osaka"));
        assertThat(PeerIdentity.of(leaf(d.resolve("regions/kyoto.crt")))).contains(PeerIdentity.region("kyoto"));
        X509Certificate billing = leaf(d.resolve("clients/billing.crt"));
        assertThat(PeerIdentity.of(billing)).contains(PeerIdentity.client("billing"));
        assertThat(Duration.between(billing.getNotBefore().toInstant(), billing.getNotAfter().toInstant()))
                .isGreaterThan(Duration.ofDays(365)).isLessThan(Duration.ofDays(366));
        for (Path key : List.of(d.resolve("ca.key"), d.resolve("nodes/n1.key"), d.resolve("regions/osaka.key"),
                d.resolve("clients/billing.key"))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).as(key.toString()).isEqualTo("rw-------");
        }
        for (Result r : List.of(init, node, client)) {
            assertThat(r.out()).doesNotContain("PRIVATE KEY").hasLineCount(1);
            assertThat(r.err()).isEmpty();
        }
    }

    @Test
    void aNodeWithoutHostsGetsTheLocalDefaults() throws Exception {
        Path d = tmp.resolve("pki");
        pki("init", "--dir", d.toString());

        assertThat(pki("issue", "node", "n1", "--dir", d.toString(), "--region", "tokyo").code()).isZero();

        assertThat(sanValues(leaf(d.resolve("nodes/n1.crt"))))
                .containsExactly("localhost", "127.0.0.1", "kinko://node/tokyo/n1");
    }

    @Test
    void usageErrorsExitTwo() {
        Path d = tmp.resolve("pki");
        pki("init", "--dir", d.toString());
        String dir = d.toString();

        assertThat(pki("issue", "node", "n1", "--dir", dir).err()).contains("needs --region");
        for (String[] args : List.of(
                new String[] {"issue", "node", "n1", "--dir", dir},
                new String[] {"issue", "region", "osaka", "--dir", dir, "--region", "tokyo"},
                new String[] {"issue", "client", "app", "--dir", dir, "--region", "tokyo"},
                new String[] {"issue", "client", "app", "--dir", dir, "--host", "localhost"},
                new String[] {"issue", "client", "app", "--dir", dir, "--days", "0"},
                new String[] {"issue", "client", "app", "--dir", dir, "--days", "soon"},
                new String[] {"issue", "robot", "r2", "--dir", dir},
                new String[] {"issue", "client", "app"},
                new String[] {"issue", "client", "--dir", dir},
                new String[] {"init"})) {
            Result r = pki(args);
            assertThat(r.code()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(r.out()).isEmpty();
        }
        assertThat(d.resolve("clients")).doesNotExist();
    }

    @Test
    void refusalsExitOneWithOneLine() throws Exception {
        Path d = tmp.resolve("pki");
        assertThat(pki("init", "--dir", d.toString()).code()).isZero();
        assertThat(pki("issue", "client", "app", "--dir", d.toString()).code()).isZero();
        byte[] key = Files.readAllBytes(d.resolve("clients/app.key"));

        Result again = pki("init", "--dir", d.toString());
        Result reissue = pki("issue", "client", "app", "--dir", d.toString());
        Result noCa = pki("issue", "client", "app", "--dir", tmp.resolve("nothing").toString());
        Result badName = pki("issue", "region", "Osaka", "--dir", d.toString());
        Result tooLong = pki("issue", "client", "app2", "--dir", d.toString(), "--days", "4000");

        assertThat(again.err()).contains("ca.key").contains("exists");
        assertThat(reissue.err()).contains("clients/app.crt").contains("never overwrites");
        assertThat(noCa.err()).contains("no deployment CA");
        assertThat(badName.err()).contains("region name");
        assertThat(tooLong.err()).contains("outlive the CA");
        for (Result r : List.of(again, reissue, noCa, badName, tooLong)) {
            assertThat(r.code()).as(r.err()).isEqualTo(1);
            assertThat(r.err()).startsWith("kinko: ").hasLineCount(1);
            assertThat(r.out()).isEmpty();
        }
        assertThat(Files.readAllBytes(d.resolve("clients/app.key"))).isEqualTo(key);
    }
}
