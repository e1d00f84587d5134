package dev.kinko.cli;

import dev.kinko.server.crypto.pki.CertificateAuthority;
import dev.kinko.server.crypto.pki.IssuedCertificate;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kinko pki ...}: the deployment's own CA and the certificates of its nodes, region links and clients. */
@Command(name = "pki", mixinStandardHelpOptions = true,
        description = {"The deployment's certificate authority: make one, then issue node, region-link and client certificates.",
                "Private keys are written mode 0600 in directories mode 0700; no file is ever overwritten."},
        subcommands = {PkiCommand.Init.class, PkiCommand.Issue.class})
final class PkiCommand {

    @Command(name = "init", mixinStandardHelpOptions = true,
            description = {"Make a new CA (ca.crt, ca.key) in a new or private directory.",
                    "Keep ca.key offline if you can: whoever holds it can join any node or region of the deployment."})
    static final class Init implements Callable<Integer> {
        @Option(names = "--dir", required = true, paramLabel = "D", description = "The CA directory (created mode 0700).")
        Path dir;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            CertificateAuthority ca = CertificateAuthority.init(dir);
            spec.commandLine().getOut().println("wrote CA certificate " + ca.certificateFile() + " and CA key "
                    + dir.resolve(CertificateAuthority.CA_KEY_FILE));
            return 0;
        }
    }

    /** What a certificate is for; lower case as typed. */
    enum Kind { node, region, client }

    @Command(name = "issue", mixinStandardHelpOptions = true,
            description = {"Issue a certificate and key signed by the CA in D, into D/nodes, D/regions or D/clients.",
                    "node NAME --region R: a node (TLS server and client), named by the hosts clients dial.",
                    "region NAME: a region's link certificate (shipping and receiving).",
                    "client NAME: a client principal (TLS client only)."})
    static final class Issue implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "KIND", description = "node, region or client.")
        Kind kind;

        @Parameters(index = "1", paramLabel = "NAME", description = "The node id, the region, or the client principal.")
        String name;

        @Option(names = "--dir", required = true, paramLabel = "D", description = "The CA directory.")
        Path dir;

        @Option(names = "--region", paramLabel = "R", description = "The node's region (node only; for region it must equal NAME).")
        String region;

        @Option(names = "--host", paramLabel = "H", description = {"A DNS name or IP address the node is reached at (node only; repeatable).",
                "Default: localhost and 127.0.0.1."})
        List<String> hosts = new ArrayList<>();

        @Option(names = "--days", paramLabel = "N", defaultValue = "" + CertificateAuthority.DEFAULT_VALIDITY_DAYS,
                description = "Days the certificate is valid (default: ${DEFAULT-VALUE}).")
        long days;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            checkOptions();
            CertificateAuthority ca = CertificateAuthority.load(dir);
            Duration validity = Duration.ofDays(days);
            IssuedCertificate issued = switch (kind) {
                case node -> ca.issueNode(region, name, hosts, validity);
                case region -> ca.issueRegion(name, validity);
                case client -> ca.issueClient(name, validity);
            };
            spec.commandLine().getOut().println("wrote " + issued.identity().principal() + " certificate "
                    + issued.certificate() + " and key " + issued.privateKey());
            return 0;
        }

        private void checkOptions() {
            if (days < 1) {
                throw usage("--days must be at least 1");
            }
            if (kind == Kind.node && region == null) {
                throw usage("issue node needs --region");
            }
            if (kind == Kind.region && region != null && !region.equals(name)) {
                throw usage("issue region takes the region as NAME; --region, if given, must equal it");
            }
            if (kind == Kind.client && region != null) {
                throw usage("issue client takes no --region (a client principal belongs to no region)");
            }
            if (kind != Kind.node && !hosts.isEmpty()) {
                throw usage("--host is for node certificates only");
            }
        }

        private ParameterException usage(String message) {
            return new ParameterException(spec.commandLine(), "Error: " + message);
        }
    }
}
