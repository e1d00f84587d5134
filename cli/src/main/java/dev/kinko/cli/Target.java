package dev.kinko.cli;

import dev.kinko.client.KinkoClient;
import dev.kinko.client.KinkoClientBuilder;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * Where a command sends its calls and as whom: {@code --addr} (KINKO_ADDR), the deployment CA
 * to trust {@code --cacert} (KINKO_CACERT), and a token {@code --token} (KINKO_TOKEN) or a
 * client certificate {@code --cert}/{@code --key} (KINKO_CERT, KINKO_KEY).
 */
final class Target {
    @Option(names = "--addr", paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Nodes of the region to talk to (default: $KINKO_ADDR).")
    String addr;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "Deadline of each attempt, in seconds (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "Bearer token (default: $KINKO_TOKEN). Prefer the variable: a flag shows in the process list.")
    String token;

    @Option(names = "--cacert", paramLabel = "FILE",
            description = "The deployment CA certificate to trust (default: $KINKO_CACERT; else the system's roots).")
    Path caCert;

    @Option(names = "--cert", paramLabel = "FILE", description = "Client certificate (default: $KINKO_CERT).")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "Client certificate's key (default: $KINKO_KEY).")
    Path key;

    KinkoClient client() {
        String a = addr != null ? addr : System.getenv("KINKO_ADDR");
        if (a == null || a.isBlank()) {
            throw new CliException("no node address: pass --addr HOST:PORT[,...] or set KINKO_ADDR");
        }
        KinkoClientBuilder b = KinkoClient.builder().addresses(a).deadline(Duration.ofSeconds(timeoutSeconds));
        return credentials(b).build();
    }

    /** Adds the TLS trust, the client certificate and the token that the flags or the environment give. */
    KinkoClientBuilder credentials(KinkoClientBuilder b) {
        Path ca = caCert != null ? caCert : path("KINKO_CACERT");
        Path c = cert != null ? cert : path("KINKO_CERT");
        Path k = key != null ? key : path("KINKO_KEY");
        if ((c == null) != (k == null)) {
            throw new CliException("a client certificate needs both --cert and --key (KINKO_CERT, KINKO_KEY)");
        }
        if (c != null) {
            b.tls(ca, c, k);
        } else if (ca != null) {
            b.tls(ca);
        }
        String t = token != null ? token : System.getenv("KINKO_TOKEN");
        if (t != null && !t.isBlank()) {
            b.token(t.strip());
        }
        return b;
    }

    private static Path path(String variable) {
        String v = System.getenv(variable);
        return v == null || v.isBlank() ? null : Path.of(v);
    }
}
