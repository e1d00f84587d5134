package dev.kinko.server.domain.command;

import dev.kinko.proto.raft.v1.ReplicaRecord;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * A secret's replica regions in its primary region: which regions it goes to, the full copy
 * journaled for each new one, and the detach that makes a region's replica standalone.
 */
public final class Replicas {
    private Replicas() {}

    /** A secret can be replicated from {@code region} only to another region it has a link to. */
    public static void checkDestination(String region, String destination, StateReader state) {
        if (destination.equals(region)) {
            throw new KinkoException(Reason.INVALID_REPLICA_REGION,
                    "region " + destination + " is this secret's own (primary) region");
        }
        if (state.link(destination).isEmpty()) {
            throw new KinkoException(Reason.UNKNOWN_REGION, "region " + destination
                    + " is not linked to region " + region + "; add a region link first");
        }
    }

    /** The check half of {@link #add}: every region must be a destination; returns the ones to add. */
    public static List<String> toAdd(String region, SecretRecord record, List<String> regions, boolean force,
                                     StateReader state) {
        List<String> distinct = List.copyOf(new LinkedHashSet<>(regions));
        distinct.forEach(r -> checkDestination(region, r, state));
        return notYetAt(record, distinct, force);
    }

    /**
     * The regions the secret does not replicate to yet, or whose replica refused it; with
     * {@code force}, all of them (a fresh full copy).
     */
    public static List<String> notYetAt(SecretRecord record, List<String> regions, boolean force) {
        List<String> added = new ArrayList<>();
        for (String r : new LinkedHashSet<>(regions)) {
            Optional<ReplicaRecord> existing = record.getReplicasList().stream()
                    .filter(x -> x.getRegion().equals(r)).findFirst();
            if (existing.isPresent() && existing.get().getFailureMessage().isEmpty() && !force) {
                continue; // already replicated there
            }
            added.add(r);
        }
        return added;
    }

    /** Adds checked replica regions to the secret, journaling a full copy for them; the record to store. */
    public static SecretRecord add(SecretRecord record, List<String> added, boolean force, long now,
                                   StateWriter state) {
        if (added.isEmpty()) {
            return record;
        }
        long seq = Journal.appendFull(state, record.getId(), added, force, now);
        List<ReplicaRecord> kept = new ArrayList<>(record.getReplicasList().stream()
                .filter(x -> !added.contains(x.getRegion())).toList());
        for (String r : added) {
            kept.add(ReplicaRecord.newBuilder().setRegion(r).setLastSeq(seq).setLastChangeMillis(now).build());
        }
        kept.sort((a, b) -> a.getRegion().compareTo(b.getRegion()));
        return record.toBuilder().clearReplicas().addAllReplicas(kept).build();
    }

    /** Drops regions from a secret's replicas and journals a detach so their replicas become standalone. */
    public static SecretRecord detach(StateWriter state, SecretRecord record, List<String> regions, long now) {
        Journal.appendDetach(state, record.getId(), regions, now);
        return record.toBuilder().clearReplicas()
                .addAllReplicas(record.getReplicasList().stream().filter(r -> !regions.contains(r.getRegion())).toList())
                .build();
    }
}
