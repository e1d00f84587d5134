package dev.kinko.server.api;

import dev.kinko.proto.v1.CancelRotateSecretRequest;
import dev.kinko.proto.v1.ReceiveRotationJobsRequest;
import dev.kinko.proto.v1.ReportRotationStepRequest;
import dev.kinko.proto.v1.RotateSecretRequest;
import dev.kinko.proto.v1.RotationStep;
import dev.kinko.server.domain.PasswordGenerator;
import dev.kinko.server.domain.rotation.RotationSchedule;
import dev.kinko.server.rotation.Rotators;
import dev.kinko.proto.v1.BatchGetSecretValueRequest;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.DeleteSecretRequest;
import dev.kinko.proto.v1.DescribeSecretRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.ListSecretVersionIdsRequest;
import dev.kinko.proto.v1.ListSecretsRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.RemoveRegionsFromReplicationRequest;
import dev.kinko.proto.v1.ReplicateSecretToRegionsRequest;
import dev.kinko.proto.v1.RestoreSecretRequest;
import dev.kinko.proto.v1.StopReplicationToReplicaRequest;
import dev.kinko.proto.v1.Tag;
import dev.kinko.proto.v1.TagResourceRequest;
import dev.kinko.proto.v1.UntagResourceRequest;
import dev.kinko.proto.v1.UpdateSecretRequest;
import dev.kinko.proto.v1.UpdateSecretVersionStageRequest;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.Validation;
import dev.kinko.server.frontend.PlainValue;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The edge checks of each SecretsService request; each throws a {@link KinkoException} naming the rule. */
final class RequestRules {
    private RequestRules() {}

    /** Runs the checks of whichever request this is (before a follower forwards it). */
    static void checkAny(Object request) {
        if (request instanceof CreateSecretRequest r) {
            check(r);
        } else if (request instanceof PutSecretValueRequest r) {
            check(r);
        } else if (request instanceof UpdateSecretRequest r) {
            check(r);
        } else if (request instanceof UpdateSecretVersionStageRequest r) {
            check(r);
        } else if (request instanceof DeleteSecretRequest r) {
            check(r);
        } else if (request instanceof RestoreSecretRequest r) {
            check(r);
        } else if (request instanceof TagResourceRequest r) {
            check(r);
        } else if (request instanceof UntagResourceRequest r) {
            check(r);
        } else if (request instanceof ReplicateSecretToRegionsRequest r) {
            check(r);
        } else if (request instanceof RemoveRegionsFromReplicationRequest r) {
            check(r);
        } else if (request instanceof StopReplicationToReplicaRequest r) {
            check(r);
        } else if (request instanceof RotateSecretRequest r) {
            check(r);
        } else if (request instanceof CancelRotateSecretRequest r) {
            check(r);
        } else if (request instanceof ReportRotationStepRequest r) {
            check(r);
        } else {
            throw new IllegalArgumentException("no rules for " + request.getClass().getSimpleName());
        }
    }

    static void check(RotateSecretRequest r) {
        Validation.secretId(r.getSecretId());
        Validation.token(r.getClientRequestToken());
        if (r.hasRotationRules()) {
            RotationSchedule.parse(r.getRotationRules());
        }
        if (!r.getRotator().isEmpty()) {
            Rotators.checkName(r.getRotator());
        }
        if (r.hasPasswordOptions()) {
            new PasswordGenerator().generate(PasswordGenerator.Options.of(r.getPasswordOptions())); // refuses bad options
        }
    }

    static void check(CancelRotateSecretRequest r) {
        Validation.secretId(r.getSecretId());
    }

    static void check(ReceiveRotationJobsRequest r) {
        Rotators.checkName(Rotators.EXTERNAL_PREFIX + r.getRotator());
    }

    static void check(ReportRotationStepRequest r) {
        Validation.secretId(r.getSecretId());
        Validation.versionId("token", r.getToken());
        if (r.getStep() == RotationStep.ROTATION_STEP_UNSPECIFIED || r.getStep() == RotationStep.UNRECOGNIZED) {
            throw new KinkoException(Reason.INVALID_ROTATION_REPORT, "step is required");
        }
        if (r.getErrorMessage().length() > Limits.MAX_ROTATION_ERROR_CHARS) {
            throw new KinkoException(Reason.INVALID_ROTATION_REPORT, "error_message may have at most "
                    + Limits.MAX_ROTATION_ERROR_CHARS + " characters");
        }
    }

    /** Returns the value, or null when the secret is created without one. */
    static PlainValue check(CreateSecretRequest r) {
        Validation.name(r.getName());
        Validation.token(r.getClientRequestToken());
        Validation.description(r.getDescription());
        Validation.tags(tags(r.getTagsList()));
        if (r.getAddReplicaRegionsCount() > 0) {
            Validation.regions(r.getAddReplicaRegionsList());
        }
        return value(r.getValueCase() == CreateSecretRequest.ValueCase.SECRET_STRING ? PlainValue.ofString(r.getSecretString())
                : r.getValueCase() == CreateSecretRequest.ValueCase.SECRET_BINARY ? PlainValue.ofBinary(r.getSecretBinary())
                : null);
    }

    static PlainValue check(PutSecretValueRequest r) {
        Validation.secretId(r.getSecretId());
        Validation.token(r.getClientRequestToken());
        Validation.labels(r.getVersionStagesList());
        PlainValue value = value(r.getValueCase() == PutSecretValueRequest.ValueCase.SECRET_STRING
                ? PlainValue.ofString(r.getSecretString())
                : r.getValueCase() == PutSecretValueRequest.ValueCase.SECRET_BINARY ? PlainValue.ofBinary(r.getSecretBinary())
                : null);
        if (value == null) {
            throw new KinkoException(Reason.EMPTY_VALUE, "a value is required: secret_string or secret_binary");
        }
        return value;
    }

    /** Returns the new value, or null when only the description changes. */
    static PlainValue check(UpdateSecretRequest r) {
        Validation.secretId(r.getSecretId());
        Validation.token(r.getClientRequestToken());
        if (r.hasDescription()) {
            Validation.description(r.getDescription());
        }
        PlainValue value = value(r.getValueCase() == UpdateSecretRequest.ValueCase.SECRET_STRING
                ? PlainValue.ofString(r.getSecretString())
                : r.getValueCase() == UpdateSecretRequest.ValueCase.SECRET_BINARY ? PlainValue.ofBinary(r.getSecretBinary())
                : null);
        if (value == null && !r.hasDescription()) {
            throw new KinkoException(Reason.NOTHING_TO_UPDATE, "give a description, a value, or both");
        }
        return value;
    }

    static void check(GetSecretValueRequest r) {
        Validation.secretId(r.getSecretId());
        if (!r.getVersionId().isEmpty()) {
            Validation.versionId("version_id", r.getVersionId());
        }
        if (!r.getVersionStage().isEmpty()) {
            Validation.label(r.getVersionStage());
        }
    }

    static void check(BatchGetSecretValueRequest r) {
        if (r.getSecretIdsCount() == 0 || r.getSecretIdsCount() > Limits.MAX_BATCH_GET_IDS) {
            throw new KinkoException(Reason.TOO_MANY_SECRET_IDS, "secret_ids must hold 1-"
                    + Limits.MAX_BATCH_GET_IDS + " entries, got " + r.getSecretIdsCount());
        }
        r.getSecretIdsList().forEach(Validation::secretId);
    }

    static void check(DescribeSecretRequest r) {
        Validation.secretId(r.getSecretId());
    }

    static void check(ListSecretsRequest r) {
        Validation.pageSize(r.getPageSize());
        if (!r.getNamePrefix().isEmpty()) {
            Validation.name(r.getNamePrefix());
        }
    }

    static void check(ListSecretVersionIdsRequest r) {
        Validation.secretId(r.getSecretId());
        Validation.pageSize(r.getPageSize());
    }

    static void check(UpdateSecretVersionStageRequest r) {
        Validation.secretId(r.getSecretId());
        Validation.label(r.getVersionStage());
        if (r.getRemoveFromVersionId().isEmpty() && r.getMoveToVersionId().isEmpty()) {
            throw new KinkoException(Reason.INVALID_VERSION_SELECTOR,
                    "give remove_from_version_id, move_to_version_id, or both");
        }
        if (!r.getRemoveFromVersionId().isEmpty()) {
            Validation.versionId("remove_from_version_id", r.getRemoveFromVersionId());
        }
        if (!r.getMoveToVersionId().isEmpty()) {
            Validation.versionId("move_to_version_id", r.getMoveToVersionId());
        }
    }

    static void check(DeleteSecretRequest r) {
        Validation.secretId(r.getSecretId());
        if (r.getForceDeleteWithoutRecovery() && r.getRecoveryWindowInDays() != 0) {
            throw new KinkoException(Reason.INVALID_RECOVERY_WINDOW,
                    "recovery_window_in_days cannot be combined with force_delete_without_recovery");
        }
        Validation.recoveryWindowDays(r.getRecoveryWindowInDays());
    }

    static void check(RestoreSecretRequest r) {
        Validation.secretId(r.getSecretId());
    }

    static void check(TagResourceRequest r) {
        Validation.secretId(r.getSecretId());
        if (r.getTagsCount() == 0) {
            throw new KinkoException(Reason.INVALID_TAG, "tags must hold at least one tag");
        }
        Validation.tags(tags(r.getTagsList()));
    }

    static void check(UntagResourceRequest r) {
        Validation.secretId(r.getSecretId());
        if (r.getTagKeysCount() == 0 || r.getTagKeysCount() > Limits.MAX_TAGS) {
            throw new KinkoException(Reason.INVALID_TAG, "tag_keys must hold 1-" + Limits.MAX_TAGS + " keys");
        }
        r.getTagKeysList().forEach(Validation::tagKey);
    }

    static void check(ReplicateSecretToRegionsRequest r) {
        Validation.secretId(r.getSecretId());
        Validation.regions(r.getAddReplicaRegionsList());
    }

    static void check(RemoveRegionsFromReplicationRequest r) {
        Validation.secretId(r.getSecretId());
        Validation.regions(r.getRemoveReplicaRegionsList());
    }

    static void check(StopReplicationToReplicaRequest r) {
        Validation.secretId(r.getSecretId());
    }

    private static PlainValue value(PlainValue value) {
        if (value != null) {
            Validation.value(value.bytes());
        }
        return value;
    }

    private static Map<String, String> tags(List<Tag> tags) {
        Map<String, String> map = new LinkedHashMap<>();
        for (Tag t : tags) {
            if (map.put(t.getKey(), t.getValue()) != null) {
                throw new KinkoException(Reason.INVALID_TAG, "tag key " + t.getKey() + " is given twice");
            }
        }
        return map;
    }
}
