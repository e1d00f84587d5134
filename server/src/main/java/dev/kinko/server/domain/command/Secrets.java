package dev.kinko.server.domain.command;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.SecretRecordOrBuilder;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.StateReader;
import java.util.Optional;

/** The lookups that decide whether a command may touch a secret, and the result that names it. */
public final class Secrets {
    private Secrets() {}

    public static SecretRecord existing(StateReader state, String secretId) {
        return found(state.secretById(secretId));
    }

    /** The secret read, or SECRET_NOT_FOUND. */
    public static SecretRecord found(Optional<SecretRecord> record) {
        return record.orElseThrow(() -> new KinkoException(Reason.SECRET_NOT_FOUND, "the secret no longer exists"));
    }

    /** The secret's writes belong to {@code region} (it is not a replica there). */
    public static SecretRecord primaryHere(String region, SecretRecord record) {
        if (!record.getPrimaryRegion().equals(region)) {
            throw new KinkoException(Reason.REPLICA_READ_ONLY, "secret " + record.getName()
                    + " is a read-only replica here; its primary region is " + record.getPrimaryRegion());
        }
        return record;
    }

    /** The secret exists and is not a replica here. */
    public static SecretRecord primaryHere(String region, StateReader state, String secretId) {
        return primaryHere(region, existing(state, secretId));
    }

    /** The secret exists, is not a replica here and is not scheduled for deletion. */
    public static SecretRecord writable(String region, StateReader state, String secretId) {
        return writable(region, existing(state, secretId));
    }

    /** {@code record} is not a replica here and is not scheduled for deletion. */
    public static SecretRecord writable(String region, SecretRecord record) {
        primaryHere(region, record);
        if (record.getDeletionDateMillis() != 0) {
            throw new KinkoException(Reason.SCHEDULED_FOR_DELETION, "secret " + record.getName()
                    + " is scheduled for deletion; it can only be described or restored");
        }
        return record;
    }

    /** AWS refuses to delete a primary secret that still has replicas; so does Kinko. */
    public static SecretRecord withoutReplicas(SecretRecord record) {
        if (record.getReplicasCount() > 0) {
            throw new KinkoException(Reason.HAS_REPLICAS, "secret " + record.getName()
                    + " is replicated to other regions; remove them from replication first");
        }
        return record;
    }

    /** A result naming the secret. */
    public static CommandResult.Builder result(SecretRecordOrBuilder record) {
        return CommandResult.newBuilder().setSecretId(record.getId()).setName(record.getName());
    }
}
