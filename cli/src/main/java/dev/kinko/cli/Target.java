package dev.kinko.cli;

import dev.kinko.client.KinkoClient;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Where a command sends its calls: {@code --addr} or the KINKO_ADDR environment variable. */
final class Target {
    @Option(names = "--addr", paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Nodes of the region to talk to (default: $KINKO_ADDR).")
    String addr;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "Deadline of each attempt, in seconds (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    KinkoClient client() {
        String a = addr != null ? addr : System.getenv("KINKO_ADDR");
        if (a == null || a.isBlank()) {
            throw new CliException("no node address: pass --addr HOST:PORT[,...] or set KINKO_ADDR");
        }
        return KinkoClient.builder().addresses(a).deadline(Duration.ofSeconds(timeoutSeconds)).build();
    }
}
