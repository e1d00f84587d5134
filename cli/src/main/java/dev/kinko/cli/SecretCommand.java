package dev.kinko.cli;

import dev.kinko.client.KinkoClient;
import dev.kinko.proto.v1.BatchGetSecretValueRequest;
import dev.kinko.proto.v1.CancelRotateSecretRequest;
import dev.kinko.proto.v1.CancelRotateSecretResponse;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.TagResourceRequest;
import dev.kinko.proto.v1.UntagResourceRequest;
import dev.kinko.proto.v1.UpdateSecretRequest;
import dev.kinko.proto.v1.UpdateSecretResponse;
import dev.kinko.proto.v1.UpdateSecretVersionStageRequest;
import dev.kinko.proto.v1.DeleteSecretRequest;
import dev.kinko.proto.v1.DeleteSecretResponse;
import dev.kinko.proto.v1.DescribeSecretRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.GetSecretValueResponse;
import dev.kinko.proto.v1.ListSecretVersionIdsRequest;
import dev.kinko.proto.v1.ListSecretVersionIdsResponse;
import dev.kinko.proto.v1.ListSecretsRequest;
import dev.kinko.proto.v1.ListSecretsResponse;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.ReadConsistency;
import dev.kinko.proto.v1.RemoveRegionsFromReplicationRequest;
import dev.kinko.proto.v1.ReplicateSecretToRegionsRequest;
import dev.kinko.proto.v1.ReplicationStatus;
import dev.kinko.proto.v1.RestoreSecretRequest;
import dev.kinko.proto.v1.RotateSecretRequest;
import dev.kinko.proto.v1.RotateSecretResponse;
import dev.kinko.proto.v1.RotationInfo;
import dev.kinko.proto.v1.RotationRules;
import dev.kinko.proto.v1.StopReplicationToReplicaRequest;
import dev.kinko.proto.v1.SecretMetadata;
import dev.kinko.proto.v1.SecretVersionInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kinko secret ...}: the secrets of a region. */
@Command(name = "secret", description = "Create, read, change and delete secrets.",
        mixinStandardHelpOptions = true,
        subcommands = {SecretCommand.Create.class, SecretCommand.Get.class, SecretCommand.Put.class,
                SecretCommand.Describe.class, SecretCommand.ListSecrets.class, SecretCommand.Versions.class,
                SecretCommand.Delete.class, SecretCommand.Restore.class, SecretCommand.Replicate.class,
                SecretCommand.RemoveRegion.class, SecretCommand.StopReplication.class, SecretCommand.Update.class,
                SecretCommand.Stage.class, SecretCommand.Tag.class, SecretCommand.Untag.class,
                SecretCommand.RandomPassword.class, SecretCommand.GetMany.class, SecretCommand.Rotate.class,
                SecretCommand.CancelRotation.class})
final class SecretCommand {

    @Command(name = "create", description = "Create a secret with its first value.")
    static final class Create extends ClientCommand {
        @Parameters(paramLabel = "NAME", description = "The new secret's name, e.g. prod/db/password.")
        String name;

        @ArgGroup(exclusive = true, multiplicity = "1", heading = ValueSource.HEADING)
        ValueSource value;

        @Option(names = "--description", paramLabel = "D", description = "What the secret is for (never the value).")
        String description;

        @Option(names = "--replica-region", paramLabel = "R", description = "Replicate to region R (repeatable).")
        List<String> replicaRegions = new ArrayList<>();

        @Override
        void run(KinkoClient client) {
            CreateSecretRequest.Builder r = CreateSecretRequest.newBuilder().setName(name).setSecretString(value.read(client))
                    .addAllAddReplicaRegions(replicaRegions);
            if (description != null) {
                r.setDescription(description);
            }
            var created = client.createSecret(r.build());
            if (json()) {
                printJson(created);
                return;
            }
            out().println("created " + created.getName() + " (version " + created.getVersionId() + ")");
        }
    }

    @Command(name = "get", description = "Print a secret's value (CURRENT unless told otherwise), then a newline.")
    static final class Get extends ClientCommand {
        @Parameters(paramLabel = "NAME", description = "The secret, by name or id.")
        String name;

        @Option(names = "--version-id", paramLabel = "ID")
        String versionId;

        @Option(names = "--stage", paramLabel = "LABEL")
        String stage;

        @Option(names = "--local", description = "Read from the node reached, possibly stale (no leader round trip).")
        boolean local;

        @Override
        void run(KinkoClient client) throws IOException {
            GetSecretValueRequest.Builder r = GetSecretValueRequest.newBuilder().setSecretId(name);
            if (versionId != null) {
                r.setVersionId(versionId);
            }
            if (stage != null) {
                r.setVersionStage(stage);
            }
            if (local) {
                r.setConsistency(ReadConsistency.READ_CONSISTENCY_LOCAL);
            }
            GetSecretValueResponse got = client.secrets(s -> s.getSecretValue(r.build()));
            if (json()) {
                printJson(got);
                return;
            }
            if (got.hasSecretBinary()) {
                out().flush();
                System.out.write(got.getSecretBinary().toByteArray());
                System.out.write('\n');
                System.out.flush();
            } else {
                out().println(got.getSecretString());
            }
        }
    }

    @Command(name = "put", description = "Store a new value; it becomes CURRENT.")
    static final class Put extends ClientCommand {
        @Parameters(paramLabel = "NAME", description = "The secret, by name or id.")
        String name;

        @ArgGroup(exclusive = true, multiplicity = "1", heading = ValueSource.HEADING)
        ValueSource value;

        @Override
        void run(KinkoClient client) {
            var put = client.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name)
                    .setSecretString(value.read(client)).build());
            if (json()) {
                printJson(put);
                return;
            }
            out().println("stored version " + put.getVersionId() + " of " + put.getName()
                    + " " + put.getVersionStagesList());
        }
    }

    @Command(name = "describe", description = "Show a secret's metadata, versions and labels (never its value).")
    static final class Describe extends ClientCommand {
        @Parameters(paramLabel = "NAME", description = "The secret, by name or id.")
        String name;

        @Override
        void run(KinkoClient client) {
            var described = client.secrets(s -> s.describeSecret(DescribeSecretRequest.newBuilder()
                    .setSecretId(name).build()));
            if (json()) {
                printJson(described);
                return;
            }
            SecretMetadata m = described.getSecret();
            PrintWriter out = out();
            out.println("Name:           " + m.getName());
            out.println("Id:             " + m.getId());
            out.println("Primary region: " + m.getPrimaryRegion() + (m.getReplica() ? " (read-only replica here)" : ""));
            for (ReplicationStatus r : m.getReplicationStatusList()) {
                out.println("Replica region: " + r.getRegion() + "  " + Formats.state(r.getStatus()) + "  "
                        + r.getStatusMessage() + (r.getLagSequences() > 0 ? "  (lag " + r.getLagSequences()
                        + " changes, " + String.format("%.1f", r.getLagSeconds()) + " s)" : ""));
            }
            if (!m.getDescription().isEmpty()) {
                out.println("Description:    " + m.getDescription());
            }
            out.println("Created:        " + Formats.time(m.getCreatedDate()));
            out.println("Last changed:   " + Formats.time(m.getLastChangedDate()));
            if (m.hasDeletedDate()) {
                out.println("Deletion date:  " + Formats.time(m.getDeletedDate()) + " (scheduled for deletion)");
            }
            m.getTagsList().forEach(t -> out.println("Tag:            " + t.getKey() + "=" + t.getValue()));
            if (m.hasRotation()) {
                printRotation(out, m.getName(), m.getRotation());
            }
            out.println("Versions:");
            for (SecretVersionInfo v : m.getVersionsList()) {
                out.println("  " + v.getVersionId() + "  " + Formats.time(v.getCreatedDate()) + "  "
                        + String.join(",", v.getVersionStagesList()));
            }
        }
    }

    /** The rotation lines of {@code describe}; only for a secret whose rotation was ever configured. */
    static void printRotation(PrintWriter out, String name, RotationInfo r) {
        out.println("Rotation:       " + (r.getRotationEnabled() ? "enabled" : "disabled"));
        if (r.hasRotationRules()) {
            out.println("Rotation rules: " + Formats.rules(r.getRotationRules()));
        }
        out.println("Rotator:        " + r.getRotator());
        if (r.hasLastRotatedDate()) {
            out.println("Last rotated:   " + Formats.time(r.getLastRotatedDate()));
        }
        if (r.hasNextRotationDate()) {
            out.println("Next rotation:  " + Formats.time(r.getNextRotationDate()));
        }
        List<String> at = new ArrayList<>();
        if (!r.getRotatingVersionId().isEmpty()) {
            at.add("version " + r.getRotatingVersionId());
            at.add("step " + Formats.step(r.getStep()));
        }
        if (r.getFailed()) {
            if (r.getAttempts() > 0) {
                at.add("after " + r.getAttempts() + (r.getAttempts() == 1 ? " attempt" : " attempts"));
            }
            out.println("Rotating:       FAILED" + (at.isEmpty() ? "" : " (" + String.join(", ", at) + ")")
                    + "; no rotation starts until 'kinko secret cancel-rotation " + name + "'");
        } else if (!at.isEmpty()) {
            at.add("attempt " + r.getAttempts());
            // while an attempt may run at once the server sends next_attempt_date as 0 (1970)
            if (r.hasNextAttemptDate() && r.getNextAttemptDate().getSeconds() > 0) {
                at.add("next attempt " + Formats.time(r.getNextAttemptDate()));
            }
            out.println("Rotating:       " + String.join(", ", at));
        }
        if (!r.getLastError().isEmpty()) {
            out.println("Rotation error: " + r.getLastError());
        }
    }

    @Command(name = "list", description = "List secrets by name.")
    static final class ListSecrets extends ClientCommand {
        @Option(names = "--prefix", paramLabel = "P", description = "Only names starting with P.")
        String prefix;

        @Option(names = "--include-deleted", description = "Also secrets scheduled for deletion.")
        boolean includeDeleted;

        @Override
        void run(KinkoClient client) {
            ListSecretsResponse.Builder all = ListSecretsResponse.newBuilder();
            String token = "";
            do {
                ListSecretsRequest.Builder r = ListSecretsRequest.newBuilder().setPageToken(token)
                        .setIncludePlannedDeletion(includeDeleted);
                if (prefix != null) {
                    r.setNamePrefix(prefix);
                }
                ListSecretsResponse page = client.secrets(s -> s.listSecrets(r.build()));
                all.addAllSecrets(page.getSecretsList());
                token = page.getNextPageToken();
            } while (!token.isEmpty());
            if (json()) {
                printJson(all);
                return;
            }
            for (SecretMetadata m : all.getSecretsList()) {
                out().println(m.getName() + (m.hasDeletedDate() ? "  (deletion " + Formats.time(m.getDeletedDate()) + ")" : ""));
            }
        }
    }

    @Command(name = "versions", description = "List a secret's versions with their labels.")
    static final class Versions extends ClientCommand {
        @Parameters(paramLabel = "NAME", description = "The secret, by name or id.")
        String name;

        @Override
        void run(KinkoClient client) {
            ListSecretVersionIdsResponse.Builder all = ListSecretVersionIdsResponse.newBuilder();
            String token = "";
            do {
                String page = token;
                ListSecretVersionIdsResponse r = client.secrets(s -> s.listSecretVersionIds(
                        ListSecretVersionIdsRequest.newBuilder().setSecretId(name).setIncludeDeprecated(true)
                                .setPageToken(page).build()));
                all.setId(r.getId()).setName(r.getName()).addAllVersions(r.getVersionsList());
                token = r.getNextPageToken();
            } while (!token.isEmpty());
            if (json()) {
                printJson(all);
                return;
            }
            for (SecretVersionInfo v : all.getVersionsList()) {
                out().println(v.getVersionId() + "  " + Formats.time(v.getCreatedDate()) + "  "
                        + (v.getVersionStagesCount() == 0 ? "(deprecated)" : String.join(",", v.getVersionStagesList())));
            }
        }
    }

    @Command(name = "delete", description = "Schedule a secret for deletion (7-30 days, default 30), or delete it at once with --force.")
    static final class Delete extends ClientCommand {
        @Parameters(paramLabel = "NAME", description = "The secret, by name or id.")
        String name;

        @ArgGroup(exclusive = true)
        Window window;

        static final class Window {
            @Option(names = "--recovery-days", paramLabel = "N", description = "Days before the purge (7-30).")
            Integer days;

            @Option(names = "--force", description = "Delete now, with no way back.")
            boolean force;
        }

        @Override
        void run(KinkoClient client) {
            DeleteSecretRequest.Builder r = DeleteSecretRequest.newBuilder().setSecretId(name);
            if (window != null && window.force) {
                r.setForceDeleteWithoutRecovery(true);
            } else if (window != null && window.days != null) {
                r.setRecoveryWindowInDays(window.days);
            }
            DeleteSecretResponse d = client.secrets(s -> s.deleteSecret(r.build()));
            if (json()) {
                printJson(d);
                return;
            }
            out().println(r.getForceDeleteWithoutRecovery() ? "deleted " + d.getName()
                    : "scheduled " + d.getName() + " for deletion on " + Formats.time(d.getDeletionDate())
                            + "; 'kinko secret restore " + d.getName() + "' undoes it");
        }
    }

    @Command(name = "replicate", description = "Replicate a secret to another region (called in its primary region).")
    static final class Replicate extends ClientCommand {
        @Parameters(paramLabel = "NAME", description = "The secret, by name or id.")
        String name;

        @Option(names = "--region", paramLabel = "R", required = true, description = "Replica region (repeatable).")
        List<String> regions;

        @Option(names = "--force-overwrite", description = "Replace a secret of the same name there.")
        boolean force;

        @Override
        void run(KinkoClient client) {
            var r = client.secrets(s -> s.replicateSecretToRegions(ReplicateSecretToRegionsRequest.newBuilder()
                    .setSecretId(name).addAllAddReplicaRegions(regions).setForceOverwriteReplicaSecret(force).build()));
            if (json()) {
                printJson(r);
                return;
            }
            r.getReplicationStatusList().forEach(st -> out().println(st.getRegion() + "  " + Formats.state(st.getStatus())
                    + "  " + st.getStatusMessage()));
        }
    }

    @Command(name = "remove-region", description = "Stop replicating a secret to a region; the replica there becomes standalone.")
    static final class RemoveRegion extends ClientCommand {
        @Parameters(paramLabel = "NAME", description = "The secret, by name or id.")
        String name;

        @Option(names = "--region", paramLabel = "R", required = true, description = "Region to remove (repeatable).")
        List<String> regions;

        @Override
        void run(KinkoClient client) {
            client.secrets(s -> s.removeRegionsFromReplication(RemoveRegionsFromReplicationRequest.newBuilder()
                    .setSecretId(name).addAllRemoveReplicaRegions(regions).build()));
            out().println("removed " + String.join(", ", regions) + " from the replication of " + name);
        }
    }

    @Command(name = "stop-replication",
            description = "In a replica region: make this replica a standalone, writable secret.")
    static final class StopReplication extends ClientCommand {
        @Parameters(paramLabel = "NAME", description = "The secret, by name or id.")
        String name;

        @Override
        void run(KinkoClient client) {
            client.secrets(s -> s.stopReplicationToReplica(StopReplicationToReplicaRequest.newBuilder()
                    .setSecretId(name).build()));
            out().println(name + " is now a standalone secret in this region");
        }
    }

    @Command(name = "restore", description = "Cancel a scheduled deletion.")
    static final class Restore extends ClientCommand {
        @Parameters(paramLabel = "NAME", description = "The secret, by name or id.")
        String name;

        @Override
        void run(KinkoClient client) {
            var r = client.secrets(s -> s.restoreSecret(RestoreSecretRequest.newBuilder().setSecretId(name).build()));
            if (json()) {
                printJson(r);
                return;
            }
            out().println("restored " + r.getName());
        }
    }

    @Command(name = "update", description = "Change a secret's description, or store a new CURRENT value, or both.")
    static final class Update extends ClientCommand {
        @Parameters(paramLabel = "NAME", description = "The secret, by name or id.")
        String name;

        @Option(names = "--description", paramLabel = "D", description = "What the secret is for (never the value).")
        String description;

        @ArgGroup(exclusive = true, multiplicity = "0..1",
                heading = "A new CURRENT value (at most one of):%n")
        ValueSource value;

        @Override
        void run(KinkoClient client) {
            UpdateSecretRequest.Builder r = UpdateSecretRequest.newBuilder().setSecretId(name);
            if (description != null) {
                r.setDescription(description);
            }
            if (value != null) {
                r.setSecretString(value.read(client));
            }
            UpdateSecretResponse u = client.updateSecret(r.build());
            if (json()) {
                printJson(u);
                return;
            }
            out().println("updated " + u.getName() + (u.getVersionId().isEmpty() ? "" : " (version " + u.getVersionId() + ")"));
        }
    }

    @Command(name = "stage", description = "Move a stage label from one version to another (e.g. CURRENT after a rotation).")
    static final class Stage extends ClientCommand {
        @Parameters(paramLabel = "NAME", description = "The secret, by name or id.")
        String name;

        @Option(names = "--label", required = true, paramLabel = "LABEL")
        String label;

        @Option(names = "--from", paramLabel = "VERSION_ID", description = "The version that holds the label now.")
        String from;

        @Option(names = "--to", paramLabel = "VERSION_ID", description = "The version that gets it (absent: only remove).")
        String to;

        @Override
        void run(KinkoClient client) {
            UpdateSecretVersionStageRequest.Builder r = UpdateSecretVersionStageRequest.newBuilder().setSecretId(name)
                    .setVersionStage(label);
            if (from != null) {
                r.setRemoveFromVersionId(from);
            }
            if (to != null) {
                r.setMoveToVersionId(to);
            }
            var moved = client.secrets(s -> s.updateSecretVersionStage(r.build()));
            if (json()) {
                printJson(moved);
                return;
            }
            out().println("moved " + label + " of " + moved.getName());
        }
    }

    @Command(name = "tag", description = "Add or change tags: KEY=VALUE...")
    static final class Tag extends ClientCommand {
        @Parameters(paramLabel = "NAME", index = "0", description = "The secret, by name or id.")
        String name;

        @Parameters(paramLabel = "KEY=VALUE", index = "1..*", arity = "1..*")
        java.util.Map<String, String> tags;

        @Override
        void run(KinkoClient client) {
            TagResourceRequest.Builder r = TagResourceRequest.newBuilder().setSecretId(name);
            tags.forEach((k, v) -> r.addTags(dev.kinko.proto.v1.Tag.newBuilder().setKey(k).setValue(v)));
            var tagged = client.secrets(s -> s.tagResource(r.build()));
            if (json()) {
                printJson(tagged);
                return;
            }
            out().println("tagged " + name);
        }
    }

    @Command(name = "untag", description = "Remove tags by key.")
    static final class Untag extends ClientCommand {
        @Parameters(paramLabel = "NAME", index = "0", description = "The secret, by name or id.")
        String name;

        @Parameters(paramLabel = "KEY", index = "1..*", arity = "1..*")
        List<String> keys;

        @Override
        void run(KinkoClient client) {
            var untagged = client.secrets(s -> s.untagResource(UntagResourceRequest.newBuilder().setSecretId(name)
                    .addAllTagKeys(keys).build()));
            if (json()) {
                printJson(untagged);
                return;
            }
            out().println("untagged " + name);
        }
    }

    @Command(name = "random-password", description = {"Print a random password (nothing is stored).",
            "To store one instead, see --generate-password of 'kinko secret create' and 'put'."})
    static final class RandomPassword extends ClientCommand {
        @Mixin
        PasswordOptions options;

        @Override
        void run(KinkoClient client) {
            var p = client.secrets(s -> s.getRandomPassword(options.request()));
            if (json()) {
                printJson(p);
                return;
            }
            out().println(p.getRandomPassword());
        }
    }

    @Command(name = "get-many", description = "Read the CURRENT values of up to 20 secrets at once.")
    static final class GetMany extends ClientCommand {
        @Parameters(paramLabel = "NAME", arity = "1..*", description = "Secrets, by name or id (up to 20).")
        List<String> names;

        @Override
        void run(KinkoClient client) {
            var r = client.secrets(s -> s.batchGetSecretValue(BatchGetSecretValueRequest.newBuilder()
                    .addAllSecretIds(names).build()));
            if (json()) {
                printJson(r);
                return;
            }
            r.getSecretValuesList().forEach(v -> out().println(v.getName() + "\t" + v.getSecretString()));
            r.getErrorsList().forEach(e -> out().println(e.getSecretId() + "\t" + e.getReason() + ": " + e.getMessage()));
        }
    }

    @Command(name = "rotate", description = {
            "Rotate a secret now, set its automatic rotation, or both (in the secret's primary region).",
            "With --every-days or --schedule (and no --now) it only schedules, once the server has checked "
                    + "that the rotator can work with CURRENT. Without either it rotates now (there is nothing "
                    + "else to do) and keeps the secret's stored rules, if any (so after 'kinko secret "
                    + "cancel-rotation' it turns their schedule back on).",
            "The rotation runs on the server in four steps (createSecret, setSecret, testSecret, finishSecret); "
                    + "'kinko secret describe' shows its progress. A database rotator's check may take longer "
                    + "than the default --timeout when the database does not answer."})
    static final class Rotate extends ClientCommand {
        @Parameters(paramLabel = "NAME", description = "The secret, by name or id.")
        String name;

        @ArgGroup(exclusive = true, multiplicity = "0..1",
                heading = "Automatic rotation (at most one of; --window goes with either):%n")
        Rule rule;

        static final class Rule {
            @Option(names = "--every-days", paramLabel = "N", required = true,
                    description = "Rotate N days (1-1000) after the last rotation.")
            Integer everyDays;

            @Option(names = "--schedule", paramLabel = "EXPR", required = true,
                    description = "rate(N hours) (N >= 4), rate(N days) or cron(0 H DoM Mon DoW *), in UTC.")
            String expression;
        }

        @Option(names = "--window", paramLabel = "Nh",
                description = "With --every-days or --schedule: the rotation window, 1h-24h (e.g. 3h); the time "
                        + "within it is random. Default: 1h for a schedule in hours, the rest of the UTC day for "
                        + "one in days.")
        String window;

        @Option(names = "--rotator", paramLabel = "ROTATOR",
                description = "password, postgresql-single-user, postgresql-alternating-users or external:NAME. "
                        + "Absent: the secret's rotator, or password for a secret never rotated.")
        String rotator;

        @Option(names = "--now", description = "Also rotate now when setting a schedule.")
        boolean now;

        @ArgGroup(exclusive = false, multiplicity = "0..1",
                heading = "The shape of the new passwords (as in 'kinko secret random-password'; given, they "
                        + "replace the stored ones as a whole; absent: the stored ones, or the defaults):%n")
        PasswordOptions passwords;

        @Override
        public Integer call() throws Exception {
            // a nested group would say so in picocli's words, quoting its whole synopsis
            if (window != null && rule == null) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "Error: --window goes with --every-days or --schedule");
            }
            // proto3 cannot send 0 (it reads as "not given"): refused here, the rest of the range by the server
            if (rule != null && rule.everyDays != null && rule.everyDays < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "Error: --every-days must be 1-1000, got " + rule.everyDays);
            }
            return super.call();
        }

        @Override
        void run(KinkoClient client) {
            RotateSecretRequest.Builder r = RotateSecretRequest.newBuilder().setSecretId(name)
                    .setClientRequestToken(KinkoClient.newToken())
                    .setRotateImmediately(now || rule == null);
            if (rule != null) {
                RotationRules.Builder rules = RotationRules.newBuilder();
                if (rule.everyDays != null) {
                    rules.setAutomaticallyAfterDays(rule.everyDays);
                } else {
                    rules.setScheduleExpression(rule.expression);
                }
                if (window != null) {
                    rules.setDuration(window);
                }
                r.setRotationRules(rules);
            }
            if (rotator != null) {
                r.setRotator(rotator);
            }
            if (passwords != null) {
                r.setPasswordOptions(passwords.request());
            }
            // KinkoClient has no typed rotateSecret yet: the raw stub (one attempt when the outcome is unknown)
            RotateSecretResponse rotated = client.secrets(s -> s.rotateSecret(r.build()));
            if (json()) {
                printJson(rotated);
                return;
            }
            PrintWriter out = out();
            if (!rotated.getVersionId().isEmpty()) {
                out.println("rotating " + rotated.getName() + ": version " + rotated.getVersionId()
                        + " is being created (PENDING until the rotation makes it CURRENT)");
            }
            RotationInfo info;
            try {
                info = client.secrets(s -> s.describeSecret(DescribeSecretRequest.newBuilder()
                        .setSecretId(rotated.getId()).build())).getSecret().getRotation();
            } catch (dev.kinko.client.KinkoException e) {
                // the rotation is set: a describe this caller may not make is no reason to fail
                spec.commandLine().getErr().println("kinko: rotation set, but the secret could not be described: "
                        + KinkoCli.oneLine(e));
                return;
            }
            if (info.getRotationEnabled() && info.hasRotationRules()) {
                out.println("automatic rotation of " + rotated.getName() + ": " + Formats.rules(info.getRotationRules())
                        + ", rotator " + info.getRotator() + "; next rotation " + (info.hasNextRotationDate()
                        ? Formats.time(info.getNextRotationDate()) : "set when the rotation in progress finishes"));
            }
        }
    }

    @Command(name = "cancel-rotation", description = {
            "Turn a secret's automatic rotation off and cancel a rotation in progress (or failed).",
            "PENDING leaves the version the rotation created; CURRENT stays where it is. "
                    + "'kinko secret rotate NAME' turns rotation on again with the stored rules.",
            "With a database rotator whose setSecret had run, the database may already use that version's "
                    + "password: 'kinko secret get NAME --version-id ID' reads it (ID is printed)."})
    static final class CancelRotation extends ClientCommand {
        @Parameters(paramLabel = "NAME", description = "The secret, by name or id.")
        String name;

        @Override
        void run(KinkoClient client) {
            CancelRotateSecretResponse c = client.secrets(s -> s.cancelRotateSecret(CancelRotateSecretRequest.newBuilder()
                    .setSecretId(name).build()));
            if (json()) {
                printJson(c);
                return;
            }
            out().println("rotation of " + c.getName() + " is off" + (c.getVersionId().isEmpty() ? ""
                    : "; version " + c.getVersionId() + " is no longer PENDING"));
        }
    }
}
