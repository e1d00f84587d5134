package dev.kinko.cli;

import dev.kinko.client.KinkoClient;
import dev.kinko.proto.v1.DeletePolicyRequest;
import dev.kinko.proto.v1.GetPolicyRequest;
import dev.kinko.proto.v1.GetPolicyResponse;
import dev.kinko.proto.v1.ListPoliciesRequest;
import dev.kinko.proto.v1.ListPoliciesResponse;
import dev.kinko.proto.v1.Policy;
import dev.kinko.proto.v1.PutPolicyRequest;
import dev.kinko.proto.v1.PutPolicyResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kinko policy put|get|list|delete}: IAM-style policy documents (kinko:ManagePolicies). */
@Command(name = "policy", description = "Manage the region's IAM-style policy documents.", mixinStandardHelpOptions = true,
        subcommands = {PolicyCommand.Put.class, PolicyCommand.Get.class, PolicyCommand.List.class, PolicyCommand.Delete.class})
final class PolicyCommand {

    @Command(name = "put", description = "Create or replace a policy from a JSON document ('-' reads stdin).")
    static final class Put extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--file", required = true, paramLabel = "FILE", description = "The policy document (JSON).")
        String file;

        @Option(names = "--client", paramLabel = "NAME",
                description = "A client certificate (client:NAME, from 'kinko pki issue client') the policy applies to; repeat for more.")
        java.util.List<String> clients = new java.util.ArrayList<>();

        @Override
        void run(KinkoClient client) throws IOException {
            String document = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                    : Files.readString(Path.of(file));
            PutPolicyResponse r = client.access(a -> a.putPolicy(PutPolicyRequest.newBuilder().setName(name)
                    .setDocument(document).addAllClients(clients).build()));
            if (json()) {
                printJson(r);
            } else {
                out().println("stored policy " + r.getPolicy().getName());
            }
        }
    }

    @Command(name = "get", description = "Print a policy's document.")
    static final class Get extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        void run(KinkoClient client) {
            GetPolicyResponse r = client.access(a -> a.getPolicy(GetPolicyRequest.newBuilder().setName(name).build()));
            if (json()) {
                printJson(r);
            } else {
                out().println(r.getPolicy().getDocument().strip());
            }
        }
    }

    @Command(name = "list", description = "The region's policies.")
    static final class List extends ClientCommand {
        @Override
        void run(KinkoClient client) {
            ListPoliciesResponse r = client.access(a -> a.listPolicies(ListPoliciesRequest.getDefaultInstance()));
            if (json()) {
                printJson(r);
                return;
            }
            for (Policy p : r.getPoliciesList()) {
                out().printf("%-40s updated %s%n", p.getName(), Formats.time(p.getUpdatedDate()));
            }
        }
    }

    @Command(name = "delete", description = "Delete a policy; tokens that carry it lose what it allowed.")
    static final class Delete extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        void run(KinkoClient client) {
            client.access(a -> a.deletePolicy(DeletePolicyRequest.newBuilder().setName(name).build()));
            out().println("deleted policy " + name);
        }
    }
}
