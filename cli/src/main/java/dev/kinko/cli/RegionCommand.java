package dev.kinko.cli;

import dev.kinko.client.KinkoClient;
import dev.kinko.proto.v1.DeleteRegionLinkRequest;
import dev.kinko.proto.v1.DeleteRegionLinkResponse;
import dev.kinko.proto.v1.GetRegionStatusRequest;
import dev.kinko.proto.v1.GetRegionStatusResponse;
import dev.kinko.proto.v1.ListUnshippedChangesRequest;
import dev.kinko.proto.v1.ListUnshippedChangesResponse;
import dev.kinko.proto.v1.PromoteRegionRequest;
import dev.kinko.proto.v1.PromoteRegionResponse;
import dev.kinko.proto.v1.PutRegionLinkRequest;
import dev.kinko.proto.v1.PutRegionLinkResponse;
import dev.kinko.proto.v1.RegionLinkStatus;
import dev.kinko.proto.v1.ReplicateRegionRequest;
import dev.kinko.proto.v1.SourceRegionStatus;
import dev.kinko.proto.v1.UnshippedChange;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kinko region ...}: this region's place in replication. */
@Command(name = "region", description = "Replication between regions: status, links, promotion, failback.",
        mixinStandardHelpOptions = true,
        subcommands = {RegionCommand.Status.class, RegionCommand.Links.class, RegionCommand.Link.class,
                RegionCommand.Promote.class, RegionCommand.Failback.class, RegionCommand.Gap.class})
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
                out.println("link to " + l.getRegion() + "  " + state(l)
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

    @Command(name = "link", description = "Add or change the link to a replica region (the same as 'links add').")
    static final class Link extends ClientCommand {
        @Option(names = "--region", required = true, paramLabel = "R", description = "The replica region.")
        String region;

        @Option(names = "--to", required = true, split = ",", paramLabel = "HOST:PORT",
                description = "The replica region's node addresses.")
        List<String> addresses;

        @Override
        void run(KinkoClient client) {
            Links.put(this, client, region, addresses);
        }
    }

    @Command(name = "links", description = "This region's links to its replica regions: list, add, remove.",
            mixinStandardHelpOptions = true, subcommands = {Links.ListLinks.class, Links.Add.class, Links.Remove.class})
    static final class Links {
        /** Shared by 'links add' and 'link': PutRegionLink, then one line (or the empty response as JSON). */
        static void put(ClientCommand command, KinkoClient client, String region, List<String> addresses) {
            PutRegionLinkResponse r = client.admin(a -> a.putRegionLink(PutRegionLinkRequest.newBuilder()
                    .setRegion(region).addAllAddresses(addresses).build()));
            if (command.json()) {
                command.printJson(r);
                return;
            }
            command.out().println("linked to " + region);
        }

        @Command(name = "list", description = "Each link: region, state, epoch, watermark, lag and addresses.")
        static final class ListLinks extends ClientCommand {
            @Override
            void run(KinkoClient client) {
                GetRegionStatusResponse s = client.admin(a -> a.getRegionStatus(GetRegionStatusRequest.getDefaultInstance()));
                if (json()) {
                    printJson(Map.of("region", s.getRegion()), "links", s.getLinksList());
                    return;
                }
                PrintWriter out = out();
                if (s.getLinksCount() == 0) {
                    out.println("region " + s.getRegion() + " has no links");
                    return;
                }
                String format = "%-12s %-12s %5s %10s %10s %8s  %s%n";
                out.printf(format, "REGION", "STATE", "EPOCH", "WATERMARK", "LAG", "LAG_S", "ADDRESSES");
                for (RegionLinkStatus l : s.getLinksList()) {
                    out.printf(format, l.getRegion(), state(l), l.getEpoch(), l.getWatermark(), l.getLagSequences(),
                            String.format("%.1f", l.getLagSeconds()), String.join(",", l.getAddressesList()));
                }
            }
        }

        @Command(name = "add", description = "Add or change the link to a replica region (its node addresses).")
        static final class Add extends ClientCommand {
            @Parameters(paramLabel = "REGION", description = "The replica region.")
            String region;

            @Option(names = "--addresses", required = true, split = ",", paramLabel = "HOST:PORT",
                    description = "The replica region's node addresses.")
            List<String> addresses;

            @Override
            void run(KinkoClient client) {
                put(this, client, region, addresses);
            }
        }

        @Command(name = "remove", description = {"Remove the link to a replica region; shipping to it stops.",
                "Refused while a secret still replicates there (LINK_IN_USE): 'kinko secret remove-region' first."})
        static final class Remove extends ClientCommand {
            @Parameters(paramLabel = "REGION", description = "The replica region.")
            String region;

            @Override
            void run(KinkoClient client) {
                DeleteRegionLinkResponse r = client.admin(a -> a.deleteRegionLink(DeleteRegionLinkRequest.newBuilder()
                        .setRegion(region).build()));
                if (json()) {
                    printJson(r);
                    return;
                }
                out().println("removed the link to " + region);
            }
        }
    }

    static String state(RegionLinkStatus l) {
        return l.getState().name().replace("LINK_STATE_", "");
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
            out().println(r.getChangesCount() + (r.getChangesCount() == 1 ? " change" : " changes") + " never reached " + region + " (it applied up to "
                    + r.getReplicaAppliedSeq() + ")");
            for (UnshippedChange c : r.getChangesList()) {
                out().println("  " + c.getSeq() + "  " + Formats.time(c.getChanged()) + "  " + c.getName()
                        + (c.getVersionIdsCount() > 0 ? "  versions " + String.join(",", c.getVersionIdsList()) : ""));
            }
        }
    }
}
