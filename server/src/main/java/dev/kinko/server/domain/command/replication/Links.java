package dev.kinko.server.domain.command.replication;

import dev.kinko.proto.raft.v1.LinkRecord;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.StateReader;

/** The primary region's links to its replica regions. */
final class Links {
    private Links() {}

    static LinkRecord existing(StateReader state, String region) {
        return state.link(region).orElseThrow(() ->
                new KinkoException(Reason.UNKNOWN_REGION, "there is no link to region " + region));
    }
}
