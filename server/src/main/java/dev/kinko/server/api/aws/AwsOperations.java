package dev.kinko.server.api.aws;

import static dev.kinko.server.api.aws.AwsJson.array;
import static dev.kinko.server.api.aws.AwsJson.binary;
import static dev.kinko.server.api.aws.AwsJson.bool;
import static dev.kinko.server.api.aws.AwsJson.date;
import static dev.kinko.server.api.aws.AwsJson.has;
import static dev.kinko.server.api.aws.AwsJson.integer;
import static dev.kinko.server.api.aws.AwsJson.object;
import static dev.kinko.server.api.aws.AwsJson.putIfNotEmpty;
import static dev.kinko.server.api.aws.AwsJson.regions;
import static dev.kinko.server.api.aws.AwsJson.strings;
import static dev.kinko.server.api.aws.AwsJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kinko.proto.v1.*;
import dev.kinko.proto.v1.SecretsServiceGrpc.SecretsServiceBlockingStub;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * The 23 operations of AWS Secrets Manager, each translated to the gRPC API of this node (so one
 * rule set, one policy engine and one audit log serve both) and its answer back to AWS's shapes.
 * Stage labels travel under AWS's names (AWSCURRENT, AWSPREVIOUS, AWSPENDING).
 * Resource policies are not supported: GetResourcePolicy answers that none is attached,
 * DeleteResourcePolicy has nothing to delete, and PutResourcePolicy and ValidateResourcePolicy are
 * refused (Kinko's policies are identity policies: `kinko policy put`).
 */
final class AwsOperations {
    /** An operation: the request's JSON and a stub acting as the caller, to the response's JSON. */
    interface Operation extends BiFunction<JsonNode, SecretsServiceBlockingStub, ObjectNode> {}

    static final String NO_RESOURCE_POLICIES = "resource policies are not supported by Kinko: attach an identity"
            + " policy to the caller instead (kinko policy put)";

    private final AwsArns arns;
    private final Map<String, Operation> operations = new TreeMap<>();

    AwsOperations(AwsArns arns) {
        this.arns = arns;
        operations.put("CreateSecret", this::createSecret);
        operations.put("GetSecretValue", this::getSecretValue);
        operations.put("BatchGetSecretValue", this::batchGetSecretValue);
        operations.put("PutSecretValue", this::putSecretValue);
        operations.put("UpdateSecret", this::updateSecret);
        operations.put("DescribeSecret", this::describeSecret);
        operations.put("ListSecrets", this::listSecrets);
        operations.put("ListSecretVersionIds", this::listSecretVersionIds);
        operations.put("UpdateSecretVersionStage", this::updateSecretVersionStage);
        operations.put("DeleteSecret", this::deleteSecret);
        operations.put("RestoreSecret", this::restoreSecret);
        operations.put("TagResource", this::tagResource);
        operations.put("UntagResource", this::untagResource);
        operations.put("GetRandomPassword", this::getRandomPassword);
        operations.put("ReplicateSecretToRegions", this::replicateSecretToRegions);
        operations.put("RemoveRegionsFromReplication", this::removeRegionsFromReplication);
        operations.put("StopReplicationToReplica", this::stopReplicationToReplica);
        operations.put("RotateSecret", this::rotateSecret);
        operations.put("CancelRotateSecret", this::cancelRotateSecret);
        operations.put("GetResourcePolicy", this::getResourcePolicy);
        operations.put("DeleteResourcePolicy", this::getResourcePolicy);
        operations.put("PutResourcePolicy", (in, s) -> refusePolicy());
        operations.put("ValidateResourcePolicy", (in, s) -> refusePolicy());
    }

    Operation find(String name) {
        Operation op = operations.get(name);
        if (op == null) {
            throw AwsError.badRequest("UnknownOperationException", "secretsmanager has no operation " + name);
        }
        return op;
    }

    java.util.Set<String> names() {
        return operations.keySet();
    }

    private String ref(JsonNode in) {
        return arns.secretRef(text(in, "SecretId"));
    }

    private ObjectNode named(String id, String name) {
        ObjectNode out = object();
        out.put("ARN", arns.of(id, name));
        out.put("Name", name);
        return out;
    }

    // --- values ------------------------------------------------------------------------------

    private ObjectNode createSecret(JsonNode in, SecretsServiceBlockingStub s) {
        CreateSecretRequest.Builder r = CreateSecretRequest.newBuilder().setName(text(in, "Name"))
                .setClientRequestToken(text(in, "ClientRequestToken")).setDescription(text(in, "Description"))
                .addAllTags(AwsJson.tags(in)).addAllAddReplicaRegions(regions(in, "AddReplicaRegions"))
                .setForceOverwriteReplicaSecret(bool(in, "ForceOverwriteReplicaSecret"));
        if (has(in, "SecretString")) {
            r.setSecretString(text(in, "SecretString"));
        } else if (has(in, "SecretBinary")) {
            r.setSecretBinary(binary(in, "SecretBinary"));
        }
        CreateSecretResponse res = s.createSecret(r.build());
        ObjectNode out = named(res.getId(), res.getName());
        putIfNotEmpty(out, "VersionId", res.getVersionId());
        out.set("ReplicationStatus", replication(res.getReplicationStatusList()));
        return out;
    }

    private ObjectNode getSecretValue(JsonNode in, SecretsServiceBlockingStub s) {
        return value(s.getSecretValue(GetSecretValueRequest.newBuilder().setSecretId(ref(in))
                .setVersionId(text(in, "VersionId")).setVersionStage(AwsJson.toKinko(text(in, "VersionStage"))).build()));
    }

    private ObjectNode value(GetSecretValueResponse v) {
        ObjectNode out = named(v.getId(), v.getName());
        out.put("VersionId", v.getVersionId());
        if (v.hasSecretBinary()) {
            out.put("SecretBinary", Base64.getEncoder().encodeToString(v.getSecretBinary().toByteArray()));
        } else {
            out.put("SecretString", v.getSecretString());
        }
        out.set("VersionStages", AwsJson.stages(v.getVersionStagesList()));
        date(out, "CreatedDate", v.getCreatedDate());
        return out;
    }

    private ObjectNode batchGetSecretValue(JsonNode in, SecretsServiceBlockingStub s) {
        if (has(in, "Filters")) {
            throw AwsError.badRequest(AwsErrors.INVALID_PARAMETER, "Filters are not supported: use SecretIdList");
        }
        BatchGetSecretValueRequest.Builder r = BatchGetSecretValueRequest.newBuilder();
        strings(in, "SecretIdList").forEach(id -> r.addSecretIds(arns.secretRef(id)));
        BatchGetSecretValueResponse res = s.batchGetSecretValue(r.build());
        ObjectNode out = object();
        ArrayNode values = out.putArray("SecretValues");
        res.getSecretValuesList().forEach(v -> values.add(value(v)));
        ArrayNode errors = out.putArray("Errors");
        res.getErrorsList().forEach(e -> {
            ObjectNode err = errors.addObject().put("SecretId", e.getSecretId());
            try {
                err.put("ErrorCode", AwsErrors.typeOf(dev.kinko.server.domain.Reason.valueOf(e.getReason())));
            } catch (IllegalArgumentException unknown) {
                err.put("ErrorCode", AwsErrors.INTERNAL);
            }
            err.put("Message", e.getMessage());
        });
        return out;
    }

    private ObjectNode putSecretValue(JsonNode in, SecretsServiceBlockingStub s) {
        PutSecretValueRequest.Builder r = PutSecretValueRequest.newBuilder().setSecretId(ref(in))
                .setClientRequestToken(text(in, "ClientRequestToken")).addAllVersionStages(AwsJson.toKinko(strings(in, "VersionStages")));
        if (has(in, "SecretString")) {
            r.setSecretString(text(in, "SecretString"));
        } else if (has(in, "SecretBinary")) {
            r.setSecretBinary(binary(in, "SecretBinary"));
        }
        PutSecretValueResponse res = s.putSecretValue(r.build());
        ObjectNode out = named(res.getId(), res.getName());
        out.put("VersionId", res.getVersionId());
        out.set("VersionStages", AwsJson.stages(res.getVersionStagesList()));
        return out;
    }

    private ObjectNode updateSecret(JsonNode in, SecretsServiceBlockingStub s) {
        UpdateSecretRequest.Builder r = UpdateSecretRequest.newBuilder().setSecretId(ref(in))
                .setClientRequestToken(text(in, "ClientRequestToken"));
        if (has(in, "Description")) {
            r.setDescription(text(in, "Description"));
        }
        if (has(in, "SecretString")) {
            r.setSecretString(text(in, "SecretString"));
        } else if (has(in, "SecretBinary")) {
            r.setSecretBinary(binary(in, "SecretBinary"));
        }
        UpdateSecretResponse res = s.updateSecret(r.build());
        ObjectNode out = named(res.getId(), res.getName());
        putIfNotEmpty(out, "VersionId", res.getVersionId());
        return out;
    }

    // --- metadata ----------------------------------------------------------------------------

    private ObjectNode describeSecret(JsonNode in, SecretsServiceBlockingStub s) {
        return metadata(s.describeSecret(DescribeSecretRequest.newBuilder().setSecretId(ref(in)).build()).getSecret());
    }

    private ObjectNode metadata(SecretMetadata m) {
        ObjectNode out = named(m.getId(), m.getName());
        putIfNotEmpty(out, "Description", m.getDescription());
        RotationInfo rot = m.getRotation();
        out.put("RotationEnabled", rot.getRotationEnabled());
        if (rot.hasRotationRules()) {
            ObjectNode rules = out.putObject("RotationRules");
            if (rot.getRotationRules().getAutomaticallyAfterDays() != 0) {
                rules.put("AutomaticallyAfterDays", rot.getRotationRules().getAutomaticallyAfterDays());
            }
            putIfNotEmpty(rules, "ScheduleExpression", rot.getRotationRules().getScheduleExpression());
            putIfNotEmpty(rules, "Duration", rot.getRotationRules().getDuration());
        }
        date(out, "LastRotatedDate", rot.getLastRotatedDate());
        date(out, "NextRotationDate", rot.getNextRotationDate());
        date(out, "LastChangedDate", m.getLastChangedDate());
        date(out, "DeletedDate", m.getDeletedDate());
        date(out, "CreatedDate", m.getCreatedDate());
        if (m.getTagsCount() > 0) {
            out.set("Tags", AwsJson.tags(m.getTagsList()));
        }
        ObjectNode stages = out.putObject("VersionIdsToStages");
        m.getVersionsList().stream().filter(v -> v.getVersionStagesCount() > 0)
                .forEach(v -> stages.set(v.getVersionId(), AwsJson.stages(v.getVersionStagesList())));
        out.put("PrimaryRegion", m.getPrimaryRegion());
        if (m.getReplicationStatusCount() > 0) {
            out.set("ReplicationStatus", replication(m.getReplicationStatusList()));
        }
        return out;
    }

    private ArrayNode replication(List<ReplicationStatus> statuses) {
        ArrayNode a = AwsJson.MAPPER.createArrayNode();
        for (ReplicationStatus r : statuses) {
            ObjectNode o = a.addObject().put("Region", r.getRegion()).put("Status", switch (r.getStatus()) {
                case REPLICATION_STATE_IN_SYNC -> "InSync";
                case REPLICATION_STATE_FAILED -> "Failed";
                default -> "InProgress";
            });
            putIfNotEmpty(o, "StatusMessage", r.getStatusMessage());
            date(o, "LastAccessedDate", r.getLastReplicatedDate());
        }
        return a;
    }

    private ObjectNode listSecrets(JsonNode in, SecretsServiceBlockingStub s) {
        ListSecretsRequest.Builder r = ListSecretsRequest.newBuilder().setPageSize(integer(in, "MaxResults"))
                .setPageToken(text(in, "NextToken")).setIncludePlannedDeletion(bool(in, "IncludePlannedDeletion"));
        JsonNode filters = in.get("Filters");
        if (filters != null && filters.isArray()) {
            for (JsonNode f : filters) {
                List<String> values = strings(f, "Values");
                if (!f.path("Key").asText().equals("name") || values.size() != 1) {
                    throw AwsError.badRequest(AwsErrors.INVALID_PARAMETER,
                            "Kinko supports one filter: Key \"name\" with one value (a name prefix)");
                }
                r.setNamePrefix(values.get(0));
            }
        }
        ListSecretsResponse res = s.listSecrets(r.build());
        ObjectNode out = object();
        ArrayNode list = out.putArray("SecretList");
        res.getSecretsList().forEach(m -> list.add(metadata(m)));
        putIfNotEmpty(out, "NextToken", res.getNextPageToken());
        return out;
    }

    private ObjectNode listSecretVersionIds(JsonNode in, SecretsServiceBlockingStub s) {
        ListSecretVersionIdsResponse res = s.listSecretVersionIds(ListSecretVersionIdsRequest.newBuilder()
                .setSecretId(ref(in)).setPageSize(integer(in, "MaxResults")).setPageToken(text(in, "NextToken"))
                .setIncludeDeprecated(bool(in, "IncludeDeprecated")).build());
        ObjectNode out = named(res.getId(), res.getName());
        ArrayNode versions = out.putArray("Versions");
        for (SecretVersionInfo v : res.getVersionsList()) {
            ObjectNode o = versions.addObject().put("VersionId", v.getVersionId());
            o.set("VersionStages", AwsJson.stages(v.getVersionStagesList()));
            date(o, "CreatedDate", v.getCreatedDate());
        }
        putIfNotEmpty(out, "NextToken", res.getNextPageToken());
        return out;
    }

    private ObjectNode updateSecretVersionStage(JsonNode in, SecretsServiceBlockingStub s) {
        UpdateSecretVersionStageResponse res = s.updateSecretVersionStage(UpdateSecretVersionStageRequest.newBuilder()
                .setSecretId(ref(in)).setVersionStage(AwsJson.toKinko(text(in, "VersionStage")))
                .setRemoveFromVersionId(text(in, "RemoveFromVersionId")).setMoveToVersionId(text(in, "MoveToVersionId"))
                .build());
        return named(res.getId(), res.getName());
    }

    private ObjectNode deleteSecret(JsonNode in, SecretsServiceBlockingStub s) {
        DeleteSecretResponse res = s.deleteSecret(DeleteSecretRequest.newBuilder().setSecretId(ref(in))
                .setRecoveryWindowInDays(integer(in, "RecoveryWindowInDays"))
                .setForceDeleteWithoutRecovery(bool(in, "ForceDeleteWithoutRecovery")).build());
        ObjectNode out = named(res.getId(), res.getName());
        date(out, "DeletionDate", res.getDeletionDate());
        return out;
    }

    private ObjectNode restoreSecret(JsonNode in, SecretsServiceBlockingStub s) {
        RestoreSecretResponse res = s.restoreSecret(RestoreSecretRequest.newBuilder().setSecretId(ref(in)).build());
        return named(res.getId(), res.getName());
    }

    private ObjectNode tagResource(JsonNode in, SecretsServiceBlockingStub s) {
        s.tagResource(TagResourceRequest.newBuilder().setSecretId(ref(in)).addAllTags(AwsJson.tags(in)).build());
        return object();
    }

    private ObjectNode untagResource(JsonNode in, SecretsServiceBlockingStub s) {
        s.untagResource(UntagResourceRequest.newBuilder().setSecretId(ref(in)).addAllTagKeys(strings(in, "TagKeys"))
                .build());
        return object();
    }

    private ObjectNode getRandomPassword(JsonNode in, SecretsServiceBlockingStub s) {
        return object().put("RandomPassword", s.getRandomPassword(passwordOptions(in)).getRandomPassword());
    }

    private static GetRandomPasswordRequest passwordOptions(JsonNode in) {
        GetRandomPasswordRequest.Builder r = GetRandomPasswordRequest.newBuilder()
                .setPasswordLength(integer(in, "PasswordLength")).setExcludeCharacters(text(in, "ExcludeCharacters"))
                .setExcludeNumbers(bool(in, "ExcludeNumbers")).setExcludePunctuation(bool(in, "ExcludePunctuation"))
                .setExcludeUppercase(bool(in, "ExcludeUppercase")).setExcludeLowercase(bool(in, "ExcludeLowercase"))
                .setIncludeSpace(bool(in, "IncludeSpace"));
        if (has(in, "RequireEachIncludedType")) {
            r.setRequireEachIncludedType(bool(in, "RequireEachIncludedType"));
        }
        return r.build();
    }

    // --- replication -------------------------------------------------------------------------

    private ObjectNode replicateSecretToRegions(JsonNode in, SecretsServiceBlockingStub s) {
        ReplicateSecretToRegionsResponse res = s.replicateSecretToRegions(ReplicateSecretToRegionsRequest.newBuilder()
                .setSecretId(ref(in)).addAllAddReplicaRegions(regions(in, "AddReplicaRegions"))
                .setForceOverwriteReplicaSecret(bool(in, "ForceOverwriteReplicaSecret")).build());
        return arnOnly(res.getId(), s).set("ReplicationStatus", replication(res.getReplicationStatusList()));
    }

    private ObjectNode removeRegionsFromReplication(JsonNode in, SecretsServiceBlockingStub s) {
        RemoveRegionsFromReplicationResponse res = s.removeRegionsFromReplication(RemoveRegionsFromReplicationRequest
                .newBuilder().setSecretId(ref(in)).addAllRemoveReplicaRegions(strings(in, "RemoveReplicaRegions")).build());
        return arnOnly(res.getId(), s).set("ReplicationStatus", replication(res.getReplicationStatusList()));
    }

    private ObjectNode stopReplicationToReplica(JsonNode in, SecretsServiceBlockingStub s) {
        StopReplicationToReplicaResponse res = s.stopReplicationToReplica(StopReplicationToReplicaRequest.newBuilder()
                .setSecretId(ref(in)).build());
        return arnOnly(res.getId(), s);
    }

    /** Responses that carry only the id: the ARN needs the name too, read as the caller (DescribeSecret). */
    private ObjectNode arnOnly(String id, SecretsServiceBlockingStub s) {
        String name = s.describeSecret(DescribeSecretRequest.newBuilder().setSecretId(id)
                .setConsistency(ReadConsistency.READ_CONSISTENCY_LOCAL).build()).getSecret().getName();
        return object().put("ARN", arns.of(id, name));
    }

    // --- rotation ----------------------------------------------------------------------------

    private ObjectNode rotateSecret(JsonNode in, SecretsServiceBlockingStub s) {
        if (has(in, "RotationLambdaARN")) {
            throw AwsError.badRequest(AwsErrors.INVALID_PARAMETER, "Kinko runs no Lambda functions: choose a rotator"
                    + " with 'kinko secret rotate --rotator' (password, postgresql-single-user,"
                    + " postgresql-alternating-users or external:NAME)");
        }
        RotateSecretRequest.Builder r = RotateSecretRequest.newBuilder().setSecretId(ref(in))
                .setClientRequestToken(text(in, "ClientRequestToken"));
        JsonNode rules = in.get("RotationRules");
        if (rules != null && rules.isObject()) {
            r.setRotationRules(RotationRules.newBuilder().setAutomaticallyAfterDays(integer(rules, "AutomaticallyAfterDays"))
                    .setScheduleExpression(text(rules, "ScheduleExpression")).setDuration(text(rules, "Duration")));
        }
        if (has(in, "RotateImmediately")) {
            r.setRotateImmediately(bool(in, "RotateImmediately"));
        }
        RotateSecretResponse res = s.rotateSecret(r.build());
        ObjectNode out = named(res.getId(), res.getName());
        putIfNotEmpty(out, "VersionId", res.getVersionId());
        return out;
    }

    private ObjectNode cancelRotateSecret(JsonNode in, SecretsServiceBlockingStub s) {
        CancelRotateSecretResponse res = s.cancelRotateSecret(CancelRotateSecretRequest.newBuilder()
                .setSecretId(ref(in)).build());
        ObjectNode out = named(res.getId(), res.getName());
        putIfNotEmpty(out, "VersionId", res.getVersionId());
        return out;
    }

    // --- resource policies -------------------------------------------------------------------

    /** GetResourcePolicy and DeleteResourcePolicy: no secret has one (the caller must be allowed to describe it). */
    private ObjectNode getResourcePolicy(JsonNode in, SecretsServiceBlockingStub s) {
        SecretMetadata m = s.describeSecret(DescribeSecretRequest.newBuilder().setSecretId(ref(in)).build()).getSecret();
        return named(m.getId(), m.getName());
    }

    private static ObjectNode refusePolicy() {
        throw AwsError.badRequest(AwsErrors.INVALID_REQUEST, NO_RESOURCE_POLICIES);
    }
}
