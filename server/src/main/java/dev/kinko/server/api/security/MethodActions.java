package dev.kinko.server.api.security;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.kinko.proto.replication.v1.ReplicationServiceGrpc;
import dev.kinko.proto.v1.AccessServiceGrpc;
import dev.kinko.proto.v1.AdminServiceGrpc;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.RotatorServiceGrpc;
import dev.kinko.proto.v1.SecretsServiceGrpc;
import dev.kinko.proto.v1.Tag;
import dev.kinko.server.domain.policy.Actions;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The action each RPC needs, and what it acts on. Secrets calls use AWS's action names and act
 * on the secret their request names; admin calls act on the region. A method missing here is
 * refused, so a new RPC cannot slip through unchecked (a test walks every service).
 */
public final class MethodActions {
    /** What a request asks to do, as the policy check and the audit log see it. */
    public record Access(String action, Scope scope, String resource, String version, Map<String, String> newTags) {}

    public enum Scope { SECRET, NEW_SECRET, REGION, NONE }

    private static final Map<String, String> ACTIONS = new HashMap<>();
    /** Calls every authenticated caller may make (they reveal nothing but the caller itself). */
    private static final String WHO_AM_I = AccessServiceGrpc.getWhoAmIMethod().getFullMethodName();

    static {
        action(SecretsServiceGrpc.getCreateSecretMethod(), Actions.CREATE_SECRET);
        action(SecretsServiceGrpc.getGetSecretValueMethod(), Actions.GET_SECRET_VALUE);
        action(SecretsServiceGrpc.getBatchGetSecretValueMethod(), Actions.BATCH_GET_SECRET_VALUE);
        action(SecretsServiceGrpc.getPutSecretValueMethod(), Actions.PUT_SECRET_VALUE);
        action(SecretsServiceGrpc.getUpdateSecretMethod(), Actions.UPDATE_SECRET);
        action(SecretsServiceGrpc.getDescribeSecretMethod(), Actions.DESCRIBE_SECRET);
        action(SecretsServiceGrpc.getListSecretsMethod(), Actions.LIST_SECRETS);
        action(SecretsServiceGrpc.getListSecretVersionIdsMethod(), Actions.LIST_SECRET_VERSION_IDS);
        action(SecretsServiceGrpc.getUpdateSecretVersionStageMethod(), Actions.UPDATE_SECRET_VERSION_STAGE);
        action(SecretsServiceGrpc.getDeleteSecretMethod(), Actions.DELETE_SECRET);
        action(SecretsServiceGrpc.getRestoreSecretMethod(), Actions.RESTORE_SECRET);
        action(SecretsServiceGrpc.getTagResourceMethod(), Actions.TAG_RESOURCE);
        action(SecretsServiceGrpc.getUntagResourceMethod(), Actions.UNTAG_RESOURCE);
        action(SecretsServiceGrpc.getGetRandomPasswordMethod(), Actions.GET_RANDOM_PASSWORD);
        action(SecretsServiceGrpc.getReplicateSecretToRegionsMethod(), Actions.REPLICATE_SECRET_TO_REGIONS);
        action(SecretsServiceGrpc.getRemoveRegionsFromReplicationMethod(), Actions.REMOVE_REGIONS_FROM_REPLICATION);
        action(SecretsServiceGrpc.getStopReplicationToReplicaMethod(), Actions.STOP_REPLICATION_TO_REPLICA);
        action(SecretsServiceGrpc.getRotateSecretMethod(), Actions.ROTATE_SECRET);
        action(SecretsServiceGrpc.getCancelRotateSecretMethod(), Actions.CANCEL_ROTATE_SECRET);
        action(RotatorServiceGrpc.getReceiveRotationJobsMethod(), Actions.RUN_ROTATOR);
        action(RotatorServiceGrpc.getReportRotationStepMethod(), Actions.RUN_ROTATOR);

        action(AdminServiceGrpc.getGetClusterStatusMethod(), Actions.GET_CLUSTER_STATUS);
        action(AdminServiceGrpc.getGetNodeStatusMethod(), Actions.GET_CLUSTER_STATUS);
        action(AdminServiceGrpc.getGetRegionStatusMethod(), Actions.GET_CLUSTER_STATUS);
        action(AdminServiceGrpc.getListUnshippedChangesMethod(), Actions.GET_CLUSTER_STATUS);
        action(AdminServiceGrpc.getAddMemberMethod(), Actions.MANAGE_MEMBERS);
        action(AdminServiceGrpc.getRemoveMemberMethod(), Actions.MANAGE_MEMBERS);
        action(AdminServiceGrpc.getTransferLeadershipMethod(), Actions.MANAGE_MEMBERS);
        action(AdminServiceGrpc.getTakeSnapshotMethod(), Actions.MANAGE_MEMBERS);
        action(AdminServiceGrpc.getBackupMethod(), Actions.BACKUP);
        action(AdminServiceGrpc.getRotateRegionKeyMethod(), Actions.ROTATE_REGION_KEY);
        action(AdminServiceGrpc.getRewrapDataKeysMethod(), Actions.ROTATE_REGION_KEY);
        action(AdminServiceGrpc.getPutRegionLinkMethod(), Actions.MANAGE_LINKS);
        action(AdminServiceGrpc.getDeleteRegionLinkMethod(), Actions.MANAGE_LINKS);
        action(AdminServiceGrpc.getPromoteRegionMethod(), Actions.PROMOTE_REGION);
        action(AdminServiceGrpc.getReplicateRegionMethod(), Actions.REPLICATE_REGION);
        action(AdminServiceGrpc.getGetAuditHeadsMethod(), Actions.READ_AUDIT);

        action(AccessServiceGrpc.getPutPolicyMethod(), Actions.MANAGE_POLICIES);
        action(AccessServiceGrpc.getGetPolicyMethod(), Actions.MANAGE_POLICIES);
        action(AccessServiceGrpc.getListPoliciesMethod(), Actions.MANAGE_POLICIES);
        action(AccessServiceGrpc.getDeletePolicyMethod(), Actions.MANAGE_POLICIES);
        action(AccessServiceGrpc.getCreateTokenMethod(), Actions.MANAGE_TOKENS);
        action(AccessServiceGrpc.getListTokensMethod(), Actions.MANAGE_TOKENS);
        action(AccessServiceGrpc.getRevokeTokenMethod(), Actions.MANAGE_TOKENS);

        action(ReplicationServiceGrpc.getGetRegionInfoMethod(), Actions.REPLICATE);
        action(ReplicationServiceGrpc.getApplyReplicationBatchMethod(), Actions.REPLICATE);
        action(ReplicationServiceGrpc.getSyncAccessMethod(), Actions.REPLICATE);
    }

    private MethodActions() {}

    private static void action(MethodDescriptor<?, ?> method, String action) {
        ACTIONS.put(method.getFullMethodName(), action);
    }

    /** The action of a method, or null when the method is not known (and must be refused). */
    static String actionOf(String fullMethodName) {
        return ACTIONS.get(fullMethodName);
    }

    /** WhoAmI and server reflection: any authenticated caller (they reveal the caller and the schema). */
    static boolean open(String fullMethodName) {
        return WHO_AM_I.equals(fullMethodName) || fullMethodName.startsWith("grpc.reflection.");
    }

    /** The methods of a service that have no action: empty when every one is covered. */
    public static List<String> uncovered(ServiceDescriptor service) {
        return service.getMethods().stream().map(MethodDescriptor::getFullMethodName)
                .filter(m -> !ACTIONS.containsKey(m) && !open(m)).toList();
    }

    /** What {@code request} of {@code method} acts on. */
    static Access accessOf(String fullMethodName, Object request) {
        String action = ACTIONS.get(fullMethodName);
        if (open(fullMethodName)) {
            return new Access(fullMethodName, Scope.NONE, "", "", Map.of());
        }
        if (request instanceof Message m && Actions.RUN_ROTATOR.equals(action) && !string(m, "secret_id").isEmpty()) {
            // a rotator's report acts on one secret: a policy may allow it on some secrets only
            return new Access(action, Scope.SECRET, string(m, "secret_id"), "", Map.of());
        }
        if (!(request instanceof Message m) || !Actions.isSecretAction(action)
                || action.equals(Actions.LIST_SECRETS) || action.equals(Actions.GET_RANDOM_PASSWORD)
                || action.equals(Actions.BATCH_GET_SECRET_VALUE)) {
            return new Access(action, Scope.REGION, "*", "", Map.of());
        }
        if (m instanceof GetSecretValueRequest r) { // the call made most: generated getters, not reflection
            return new Access(action, Scope.SECRET, r.getSecretId(),
                    r.getVersionId().isEmpty() ? r.getVersionStage() : r.getVersionId(), Map.of());
        }
        if (m instanceof PutSecretValueRequest r) {
            return new Access(action, Scope.SECRET, r.getSecretId(), "", Map.of());
        }
        return byReflection(action, m);
    }

    /**
     * What a secret action's request acts on, read by protobuf reflection (field names). Under C1
     * reflection costs about 2 % of a node serving reads, so the hottest requests take the
     * generated getters above ({@code MethodActionsTest} holds the two to the same answers).
     */
    static Access byReflection(String action, Message m) {
        String version = string(m, "version_id");
        if (version.isEmpty()) {
            version = string(m, "version_stage");
        }
        if (action.equals(Actions.CREATE_SECRET)) {
            Map<String, String> tags = new LinkedHashMap<>();
            FieldDescriptor f = m.getDescriptorForType().findFieldByName("tags");
            for (int i = 0; i < m.getRepeatedFieldCount(f); i++) {
                Tag t = (Tag) m.getRepeatedField(f, i);
                tags.put(t.getKey(), t.getValue());
            }
            return new Access(action, Scope.NEW_SECRET, string(m, "name"), "", tags);
        }
        return new Access(action, Scope.SECRET, string(m, "secret_id"), version, Map.of());
    }

    private static String string(Message m, String field) {
        FieldDescriptor f = m.getDescriptorForType().findFieldByName(field);
        return f == null || f.getJavaType() != FieldDescriptor.JavaType.STRING ? "" : (String) m.getField(f);
    }
}
