package dev.kinko.cli;

import dev.kinko.client.KinkoClient;
import dev.kinko.server.backup.BackupManifest;
import dev.kinko.proto.v1.GetClusterStatusRequest;
import dev.kinko.proto.v1.GetClusterStatusResponse;
import dev.kinko.proto.v1.Member;
import dev.kinko.proto.v1.NodeStatus;
import java.io.PrintWriter;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import dev.kinko.proto.v1.AddMemberRequest;
import dev.kinko.proto.v1.AddMemberResponse;
import dev.kinko.proto.v1.RemoveMemberRequest;
import dev.kinko.proto.v1.RemoveMemberResponse;
import dev.kinko.proto.v1.RewrapDataKeysRequest;
import dev.kinko.proto.v1.RewrapDataKeysResponse;
import dev.kinko.proto.v1.RotateRegionKeyRequest;
import dev.kinko.proto.v1.RotateRegionKeyResponse;
import dev.kinko.proto.v1.TakeSnapshotRequest;
import dev.kinko.proto.v1.TakeSnapshotResponse;
import dev.kinko.proto.v1.TransferLeadershipRequest;
import dev.kinko.proto.v1.TransferLeadershipResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kinko cluster ...}: the Raft members of one region. */
@Command(name = "cluster", description = "Operate the nodes of one region.", mixinStandardHelpOptions = true,
        subcommands = {ClusterCommand.Status.class, ClusterCommand.Members.class, ClusterCommand.TransferLeader.class,
                ClusterCommand.Snapshot.class, RestoreCommand.class, ClusterCommand.RotateKey.class})
final class ClusterCommand {

    @Command(name = "status", description = "Members, roles, leader, term, commit and applied index per node.")
    static final class Status extends ClientCommand {
        @Override
        void run(KinkoClient client) {
            GetClusterStatusResponse s = client.admin(a -> a.getClusterStatus(GetClusterStatusRequest.getDefaultInstance()));
            if (json()) {
                printJson(s);
                return;
            }
            PrintWriter out = out();
            out.println("region " + s.getRegion() + "  leader " + (s.getLeaderId().isEmpty() ? "(none)" : s.getLeaderId())
                    + "  term " + s.getTerm() + "  region key v" + s.getRegionKeyVersion());
            Map<String, Member> members = s.getMembersList().stream()
                    .collect(Collectors.toMap(Member::getNodeId, Function.identity()));
            String format = "%-12s %-12s %6s %8s %8s %9s %9s %9s %9s  %s%n";
            out.printf(format, "NODE", "ROLE", "TERM", "COMMIT", "APPLIED", "SNAPSHOT", "RAFT LOG", "DB", "FREE", "ADDRESS");
            for (NodeStatus n : s.getNodesList()) {
                Member m = members.get(n.getNodeId());
                String role = n.getRole().name().replace("MEMBER_ROLE_", "");
                boolean sized = n.getRole() != dev.kinko.proto.v1.MemberRole.MEMBER_ROLE_UNREACHABLE;
                out.printf(format, n.getNodeId(), role, n.getTerm(), n.getCommitIndex(), n.getAppliedIndex(),
                        n.getSnapshotIndex(), sized ? bytes(n.getRaftLogBytes()) : "-", sized ? bytes(n.getDbBytes()) : "-",
                        sized ? bytes(n.getFreeBytes()) : "-", (m == null ? "" : m.getClientAddress())
                                + (n.getError().isEmpty() ? "" : "  (" + n.getError() + ")"));
            }
        }
    }

    /** Bytes as an operator reads them: 512B, 3.4MiB, 12GiB. */
    static String bytes(long b) {
        if (b < 1024) {
            return b + "B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return (v < 10 ? String.format(java.util.Locale.ROOT, "%.1f", v) : String.format(java.util.Locale.ROOT, "%.0f", v)) + units[u];
    }

    @Command(name = "members", description = "Add or remove a member of this region's Raft group.",
            mixinStandardHelpOptions = true, subcommands = {Members.Add.class, Members.Remove.class})
    static final class Members {
        @Command(name = "add", description = "Add a node (start it first with the new member list).")
        static final class Add extends ClientCommand {
            @Option(names = "--id", required = true, paramLabel = "NODE")
            String id;

            @Option(names = "--raft", required = true, paramLabel = "HOST:PORT")
            String raft;

            @Option(names = "--client", required = true, paramLabel = "HOST:PORT")
            String clientAddress;

            @Override
            void run(KinkoClient client) {
                AddMemberResponse r = client.admin(a -> a.addMember(AddMemberRequest.newBuilder().setMember(
                        Member.newBuilder().setNodeId(id).setRaftAddress(raft).setClientAddress(clientAddress)).build()));
                if (json()) {
                    printJson(r);
                    return;
                }
                out().println("members: " + r.getMembersList().stream().map(Member::getNodeId).toList());
            }
        }

        @Command(name = "remove", description = "Remove a node from the group.")
        static final class Remove extends ClientCommand {
            @Parameters(paramLabel = "NODE")
            String id;

            @Override
            void run(KinkoClient client) {
                RemoveMemberResponse r = client.admin(a -> a.removeMember(RemoveMemberRequest.newBuilder().setNodeId(id).build()));
                if (json()) {
                    printJson(r);
                    return;
                }
                out().println("members: " + r.getMembersList().stream().map(Member::getNodeId).toList());
            }
        }
    }

    @Command(name = "transfer-leader", description = "Move leadership to a node (any other node when --to is absent).")
    static final class TransferLeader extends ClientCommand {
        @Option(names = "--to", paramLabel = "NODE")
        String to;

        @Override
        void run(KinkoClient client) {
            TransferLeadershipResponse r = client.admin(a -> a.transferLeadership(TransferLeadershipRequest.newBuilder()
                    .setNodeId(to == null ? "" : to).build()));
            if (json()) {
                printJson(r);
                return;
            }
            out().println("leader is now " + r.getLeaderId());
        }
    }

    @Command(name = "snapshot", description = {"Take a snapshot (a RocksDB checkpoint) on the node reached;",
            "with --out, download a backup of the region instead: consistent (everything acknowledged before the",
            "call) and still encrypted (keep the region's key file apart from it). Restore: 'kinko cluster restore'."})
    static final class Snapshot extends ClientCommand {
        @Option(names = "--out", paramLabel = "FILE", description = "Write a backup of the region to this new file.")
        java.nio.file.Path backupFile;

        @Override
        void run(KinkoClient client) throws Exception {
            if (backupFile != null) {
                backup(client);
                return;
            }
            TakeSnapshotResponse r = client.admin(a -> a.takeSnapshot(TakeSnapshotRequest.getDefaultInstance()));
            if (json()) {
                printJson(r);
                return;
            }
            out().println("snapshot at index " + r.getSnapshotIndex());
        }

        private void backup(KinkoClient client) throws Exception {
            BackupManifest m = BackupDownload.to(client, backupFile);
            if (json()) {
                out().println(BackupDownload.summaryJson(m, "file", backupFile.toString()));
                return;
            }
            out().printf("backup of region %s at index %d (from %s, %d files, %d bytes) written to %s%n",
                    m.region(), m.index(), m.nodeId(), m.files().size(), m.totalBytes(), backupFile);
        }
    }

    @Command(name = "rotate-key", description = "Add a region key version, then re-wrap every data key under it.")
    static final class RotateKey extends ClientCommand {
        @Override
        void run(KinkoClient client) {
            RotateRegionKeyResponse rotated = client.admin(a -> a.rotateRegionKey(RotateRegionKeyRequest.getDefaultInstance()));
            RewrapDataKeysResponse rewrapped = client.admin(a -> a.rewrapDataKeys(RewrapDataKeysRequest.getDefaultInstance()));
            if (json()) {
                printJson(rewrapped);
                return;
            }
            out().println("region key version " + rotated.getKeyVersion() + "; " + rewrapped.getRewrapped()
                    + " data keys re-wrapped");
        }
    }
}
