package dev.kinko.cli;

import dev.kinko.client.KinkoClient;
import dev.kinko.proto.v1.GetClusterStatusRequest;
import dev.kinko.proto.v1.GetClusterStatusResponse;
import dev.kinko.proto.v1.Member;
import dev.kinko.proto.v1.NodeStatus;
import java.io.PrintWriter;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;

/** {@code kinko cluster ...}: the Raft members of one region. */
@Command(name = "cluster", description = "Operate the nodes of one region.", mixinStandardHelpOptions = true,
        subcommands = {ClusterCommand.Status.class})
final class ClusterCommand {

    @Command(name = "status", description = "Members, roles, leader, term, commit and applied index per node.")
    static final class Status extends ClientCommand {
        @Override
        void run(KinkoClient client) {
            GetClusterStatusResponse s = client.admin(a -> a.getClusterStatus(GetClusterStatusRequest.getDefaultInstance()));
            PrintWriter out = out();
            out.println("region " + s.getRegion() + "  leader " + (s.getLeaderId().isEmpty() ? "(none)" : s.getLeaderId())
                    + "  term " + s.getTerm() + "  region key v" + s.getRegionKeyVersion());
            Map<String, Member> members = s.getMembersList().stream()
                    .collect(Collectors.toMap(Member::getNodeId, Function.identity()));
            String format = "%-12s %-12s %6s %8s %8s %9s  %s%n";
            out.printf(format, "NODE", "ROLE", "TERM", "COMMIT", "APPLIED", "SNAPSHOT", "ADDRESS");
            for (NodeStatus n : s.getNodesList()) {
                Member m = members.get(n.getNodeId());
                String role = n.getRole().name().replace("MEMBER_ROLE_", "");
                out.printf(format, n.getNodeId(), role, n.getTerm(), n.getCommitIndex(), n.getAppliedIndex(),
                        n.getSnapshotIndex(), (m == null ? "" : m.getClientAddress())
                                + (n.getError().isEmpty() ? "" : "  (" + n.getError() + ")"));
            }
        }
    }
}
