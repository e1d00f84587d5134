package dev.kinko.cli;

import dev.kinko.client.KinkoClient;
import dev.kinko.proto.v1.WhoAmIRequest;
import dev.kinko.proto.v1.WhoAmIResponse;
import picocli.CommandLine.Command;

/** {@code kinko whoami}: the identity the region sees for these credentials. */
@Command(name = "whoami", description = "Show who the region takes you for: principal, token accessor and policies.")
final class WhoamiCommand extends ClientCommand {
    @Override
    void run(KinkoClient client) {
        WhoAmIResponse r = client.access(a -> a.whoAmI(WhoAmIRequest.getDefaultInstance()));
        if (json()) {
            printJson(r);
            return;
        }
        out().println(r.getPrincipal() + " in region " + r.getRegion()
                + (r.getAccessor().isEmpty() ? "" : "  accessor " + r.getAccessor())
                + (r.getPoliciesList().isEmpty() ? "" : "  policies " + String.join(",", r.getPoliciesList())));
    }
}
