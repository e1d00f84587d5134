package dev.kinko.server.api;

import dev.kinko.proto.raft.v1.JournalRecord;
import dev.kinko.proto.raft.v1.LinkRecord;
import dev.kinko.proto.raft.v1.SourceRecord;
import dev.kinko.proto.v1.GetRegionStatusResponse;
import dev.kinko.proto.v1.LinkState;
import dev.kinko.proto.v1.ListUnshippedChangesResponse;
import dev.kinko.proto.v1.RegionLinkStatus;
import dev.kinko.proto.v1.SourceRegionStatus;
import dev.kinko.proto.v1.UnshippedChange;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.StateQueries;
import dev.kinko.server.domain.Validation;
import dev.kinko.server.frontend.Records;
import java.util.List;
import java.util.regex.Pattern;

/** This region's replication as the admin API shows it: links, sources, and the unshipped gap. */
final class RegionStatusView {
    /** A link is connected while the destination acknowledged within this. */
    static final long CONNECTED_WITHIN_MS = 5_000;
    /** Journal records read per page while listing unshipped changes. */
    static final int PAGE = 1_000;
    private static final Pattern ADDRESS = Pattern.compile("[A-Za-z0-9_.\\-\\[\\]:]{1,255}:[0-9]{1,5}");

    private RegionStatusView() {}

    static GetRegionStatusResponse of(NodeServices services, long now) {
        StateQueries state = services.state();
        long head = state.journalHead();
        GetRegionStatusResponse.Builder out = GetRegionStatusResponse.newBuilder()
                .setRegion(services.raft().region()).setJournalHead(head).setJournalStart(state.journalStart());
        for (LinkRecord l : state.links()) {
            RegionLinkStatus.Builder s = RegionLinkStatus.newBuilder().setRegion(l.getRegion())
                    .addAllAddresses(l.getAddressesList()).setEpoch(l.getEpoch()).setWatermark(l.getWatermark())
                    .setJournalHead(head).setLagSequences(Math.max(0, head - l.getWatermark()))
                    .setLastError(services.shipping().lastError(l.getRegion()));
            if (l.getAckedMillis() > 0) {
                s.setLastAcknowledged(Records.timestamp(l.getAckedMillis()));
            }
            if (head > l.getWatermark()) {
                List<JournalRecord> oldest = state.journal(l.getWatermark() + 1, 1);
                if (!oldest.isEmpty()) {
                    s.setLagSeconds(Math.max(0, now - oldest.get(0).getTimestampMillis()) / 1000.0);
                }
            }
            if (l.getFenced()) {
                s.setState(LinkState.LINK_STATE_FENCED).setPromoted(Records.timestamp(l.getPromotedMillis()))
                        .setPromotedEpoch(l.getEpoch());
            } else if (now - l.getAckedMillis() < CONNECTED_WITHIN_MS) {
                s.setState(LinkState.LINK_STATE_CONNECTED);
            } else {
                s.setState(LinkState.LINK_STATE_DISCONNECTED);
            }
            out.addLinks(s);
        }
        for (SourceRecord src : state.sources()) {
            SourceRegionStatus.Builder s = SourceRegionStatus.newBuilder().setRegion(src.getRegion())
                    .setEpoch(src.getEpoch()).setAppliedSeq(src.getAppliedSeq()).setPromoted(src.getPromoted());
            if (src.getPromoted()) {
                s.setPromotedDate(Records.timestamp(src.getPromotedMillis()));
            }
            out.addSources(s);
        }
        return out.build();
    }

    static void checkLink(String region, List<String> addresses) {
        Validation.regions(List.of(region));
        if (addresses.isEmpty() || addresses.stream().anyMatch(a -> !ADDRESS.matcher(a).matches())) {
            throw new KinkoException(Reason.INVALID_LINK, "a link needs one or more host:port addresses");
        }
    }

    /** Journal records for {@code region} that it never applied: after a promotion, the gap. */
    static ListUnshippedChangesResponse unshipped(StateQueries state, String region) {
        LinkRecord link = state.link(region).orElseThrow(() ->
                new KinkoException(Reason.UNKNOWN_REGION, "there is no link to region " + region));
        long applied = link.getFenced() ? link.getReplicaAppliedSeq() : link.getWatermark();
        ListUnshippedChangesResponse.Builder out = ListUnshippedChangesResponse.newBuilder()
                .setRegion(region).setReplicaAppliedSeq(applied);
        long from = applied + 1;
        while (true) {
            List<JournalRecord> page = state.journal(from, PAGE);
            for (JournalRecord r : page) {
                if (r.getRegionsList().contains(region)) {
                    String name = r.hasSecret() ? r.getSecret().getName()
                            : state.secretById(r.getSecretId()).map(s -> s.getName()).orElse("");
                    out.addChanges(UnshippedChange.newBuilder().setSeq(r.getSeq()).setSecretId(r.getSecretId())
                            .setName(name).setChanged(Records.timestamp(r.getTimestampMillis()))
                            .addAllVersionIds(r.getVersionIdsList()));
                }
            }
            if (page.size() < PAGE) {
                return out.build();
            }
            from = page.get(page.size() - 1).getSeq() + 1;
        }
    }
}
