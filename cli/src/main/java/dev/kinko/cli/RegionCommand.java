package dev.kinko.cli;

import dev.kinko.client.KinkoClient;
import dev.kinko.proto.v1.GetRegionStatusRequest;
import dev.kinko.proto.v1.GetRegionStatusResponse;
import dev.kinko.proto.v1.ListUnshippedChangesRequest;
import dev.kinko.proto.v1.ListUnshippedChangesResponse;
import dev.kinko.proto.v1.PromoteRegionRequest;
import dev.kinko.proto.v1.PromoteRegionResponse;
import dev.kinko.proto.v1.PutRegionLinkRequest;
import dev.kinko.proto.v1.RegionLinkStatus;
import dev.kinko.proto.v1.ReplicateRegionRequest;
import dev.kinko.proto.v1.SourceRegionStatus;
import dev.kinko.proto.v1.UnshippedChange;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kinko region ...}: this region's place in replication. */
@Command(name = "region", description = "Replication between regions: status, links, promotion, failback.",
        mixinStandardHelpOptions = true,
        subcommands = {RegionCommand.Status.class, RegionCommand.Promote.class, RegionCommand.Link.class,
                RegionCommand.Failback.class, RegionCommand.Gap.class})
final class RegionCommand {

    @Command(name = "status", description = "This region's role, links (epoch, watermark, lag, state) and sources.")
    static final class Status extends ClientCommand {
        @Override
        void run(KinkoClient client) {
            GetRegionStatusResponse s = client.admin(a -> a.getRegionStatus(GetRegionStatusRequest.getDefaultInstance()));
            if (json()) {
                printJson(s);
                return;
            }
            PrintWriter out = out();
            boolean replica = s.getSourcesList().stream().anyMatch(x -> !x.getPromoted());
            String role = s.getLinksCount() > 0 ? "primary" + (replica ? " and replica" : "") : replica ? "replica" : "standalone";
            out.println("region " + s.getRegion() + "  role " + role + "  journal " + s.getJournalStart() + ".."
                    + s.getJournalHead());
            for (RegionLinkStatus l : s.getLinksList()) {
                out.println("link to " + l.getRegion() + "  " + l.getState().name().replace("LINK_STATE_", "")
                        + "  epoch " + l.getEpoch() + "  watermark " + l.getWatermark() + "  lag " + l.getLagSequences()
                        + " changes / " + String.format("%.1f", l.getLagSeconds()) + " s"
                        + (l.hasPromoted() ? "  promoted " + Formats.time(l.getPromoted()) : "")
                        + (l.getLastError().isEmpty() ? "" : "  last error: " + l.getLastError()));
            }
            for (SourceRegionStatus src : s.getSourcesList()) {
                out.println("replica of " + src.getRegion() + "  epoch " + src.getEpoch() + "  applied " + src.getAppliedSeq()
                        + (src.getPromoted() ? "  PROMOTED " + Formats.time(src.getPromotedDate()) : ""));
            }
        }
    }

    @Command(name = "promote", description = "Disaster recovery, in a replica region: every replica secret becomes "
            + "standalone and writable here, and the old primary is fenced.")
    static final class Promote extends ClientCommand {
        @Override
        void run(KinkoClient client) {
            PromoteRegionResponse r = client.admin(a -> a.promoteRegion(PromoteRegionRequest.getDefaultInstance()));
            if (json()) {
                printJson(r);
                return;
            }
            out().println("promoted: " + r.getPromotedSecrets() + " secrets are standalone and writable here");
            r.getSourcesList().forEach(s -> out().println("fenced " + s.getRegion() + " at epoch " + s.getEpoch()));
        }
    }

    @Command(name = "link", description = "Add or change the link to a replica region.")
    static final class Link extends ClientCommand {
        @Option(names = "--region", required = true, paramLabel = "R")
        String region;

        @Option(names = "--to", required = true, split = ",", paramLabel = "HOST:PORT[,...]",
                description = "The replica region's node addresses.")
        List<String> addresses;

        @Override
        void run(KinkoClient client) {
            client.admin(a -> a.putRegionLink(PutRegionLinkRequest.newBuilder().setRegion(region)
                    .addAllAddresses(addresses).build()));
            out().println("linked to " + region);
        }
    }

    @Command(name = "failback", description = "In the promoted region: replicate every secret to the old primary, "
            + "replacing what it holds (archived there, not dropped); it becomes a replica region of this one.")
    static final class Failback extends ClientCommand {
        @Option(names = "--to", required = true, paramLabel = "R", description = "The old primary region (linked).")
        String region;

        @Override
        void run(KinkoClient client) {
            long n = client.admin(a -> a.replicateRegion(ReplicateRegionRequest.newBuilder().setRegion(region)
                    .setForceOverwriteReplicaSecrets(true).build())).getSecrets();
            out().println(n + " secrets are being replicated to " + region);
        }
    }

    @Command(name = "gap", description = "Changes this region accepted for a replica region but never shipped.")
    static final class Gap extends ClientCommand {
        @Option(names = "--region", required = true, paramLabel = "R")
        String region;

        @Override
        void run(KinkoClient client) {
            ListUnshippedChangesResponse r = client.admin(a -> a.listUnshippedChanges(
                    ListUnshippedChangesRequest.newBuilder().setRegion(region).build()));
            if (json()) {
                printJson(r);
                return;
            }
            out().println(r.getChangesCount() + " changes never reached " + region + " (it applied up to "
                    + r.getReplicaAppliedSeq() + ")");
            for (UnshippedChange c : r.getChangesList()) {
                out().println("  " + c.getSeq() + "  " + Formats.time(c.getChanged()) + "  " + c.getName()
                        + (c.getVersionIdsCount() > 0 ? "  versions " + String.join(",", c.getVersionIdsList()) : ""));
            }
        }
    }
}
