package dev.kinko.server.domain.command.secret;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.CreateSecretCommand;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.StateWriter;
import dev.kinko.server.domain.command.CommandHandler;
import dev.kinko.server.domain.command.Replicas;
import dev.kinko.server.domain.command.Secrets;
import java.util.List;
import java.util.Optional;

/** A new secret, primary in this region, with its first version and replica regions if given. */
public final class CreateSecretHandler implements CommandHandler<CreateSecretCommand, CreateSecretHandler.Checked> {
    /**
     * The record to store and the replica regions to add; {@code record} is null when the
     * secret exists with the command's version (a retry), and {@code result} answers it.
     */
    public record Checked(SecretRecord record, List<String> replicaRegions, CommandResult result) {}

    private final String region;

    public CreateSecretHandler(String region) {
        this.region = region;
    }

    @Override
    public Checked check(CreateSecretCommand cmd, long now, StateReader state) {
        Optional<SecretRecord> existing = state.idByName(cmd.getName()).flatMap(state::secretById);
        if (existing.isPresent()) {
            SecretRecord record = existing.get();
            if (cmd.hasVersion() && NewVersions.held(record, cmd.getVersion().getVersionId())) {
                return new Checked(null, List.of(), NewVersions.existed(record, cmd.getVersion().getVersionId()));
            }
            String why = record.getDeletionDateMillis() != 0
                    ? " and is scheduled for deletion; restore it or wait for the purge" : "";
            throw new KinkoException(Reason.SECRET_EXISTS, "a secret named " + cmd.getName() + " already exists" + why);
        }
        if (state.header(cmd.getSecretId()).isPresent()) {
            // the leader makes a fresh id for every create: a taken one would orphan the other's index entries
            throw new KinkoException(Reason.SECRET_EXISTS, "secret id " + cmd.getSecretId() + " is taken; retry");
        }
        SecretRecord.Builder record = SecretRecord.newBuilder()
                .setId(cmd.getSecretId())
                .setName(cmd.getName())
                .setDescription(cmd.getDescription())
                .setCreatedMillis(now)
                .setLastChangedMillis(now)
                .putAllTags(cmd.getTagsMap())
                .setPrimaryRegion(region);
        CommandResult.Builder result = Secrets.result(record);
        if (cmd.hasVersion()) {
            NewVersions.add(record, cmd.getVersion(), now, result);
        }
        SecretRecord built = record.build();
        List<String> regions = Replicas.toAdd(region, built, cmd.getReplicaRegionsList(), cmd.getForceOverwrite(), state);
        return new Checked(built, regions, result.build());
    }

    @Override
    public CommandResult apply(CreateSecretCommand cmd, Checked checked, long now, StateWriter state) {
        if (checked.record() == null) {
            return checked.result();
        }
        SecretRecord record = Replicas.add(checked.record(), checked.replicaRegions(), cmd.getForceOverwrite(), now, state);
        state.putSecret(null, record);
        if (cmd.hasVersion()) {
            state.putValue(record.getId(), cmd.getVersion().getVersionId(), cmd.getVersion().getValue());
        }
        return checked.result();
    }
}
