package dev.kinko.server.domain.policy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every action a policy can name. Secrets calls keep AWS Secrets Manager's names so AWS policies
 * read the same; admin calls live in the {@code kinko} service. Names compare case-insensitively,
 * as in AWS.
 */
public final class Actions {
    private Actions() {}

    public static final String SECRETS_SERVICE = "secretsmanager";
    public static final String KINKO_SERVICE = "kinko";

    public static final String CREATE_SECRET = "secretsmanager:CreateSecret";
    public static final String GET_SECRET_VALUE = "secretsmanager:GetSecretValue";
    /**
     * Named for completeness only: like AWS, BatchGetSecretValue is authorized per secret with
     * {@link #GET_SECRET_VALUE}, so a policy that names this action alone grants nothing.
     */
    public static final String BATCH_GET_SECRET_VALUE = "secretsmanager:BatchGetSecretValue";
    public static final String PUT_SECRET_VALUE = "secretsmanager:PutSecretValue";
    public static final String UPDATE_SECRET = "secretsmanager:UpdateSecret";
    public static final String DESCRIBE_SECRET = "secretsmanager:DescribeSecret";
    /** Resource {@code *}: listing is not about one secret. */
    public static final String LIST_SECRETS = "secretsmanager:ListSecrets";
    public static final String LIST_SECRET_VERSION_IDS = "secretsmanager:ListSecretVersionIds";
    public static final String UPDATE_SECRET_VERSION_STAGE = "secretsmanager:UpdateSecretVersionStage";
    public static final String DELETE_SECRET = "secretsmanager:DeleteSecret";
    public static final String RESTORE_SECRET = "secretsmanager:RestoreSecret";
    public static final String TAG_RESOURCE = "secretsmanager:TagResource";
    public static final String UNTAG_RESOURCE = "secretsmanager:UntagResource";
    /** Resource {@code *}: no secret is involved. */
    public static final String GET_RANDOM_PASSWORD = "secretsmanager:GetRandomPassword";
    public static final String REPLICATE_SECRET_TO_REGIONS = "secretsmanager:ReplicateSecretToRegions";
    public static final String REMOVE_REGIONS_FROM_REPLICATION = "secretsmanager:RemoveRegionsFromReplication";
    public static final String STOP_REPLICATION_TO_REPLICA = "secretsmanager:StopReplicationToReplica";
    public static final String ROTATE_SECRET = "secretsmanager:RotateSecret";
    public static final String CANCEL_ROTATE_SECRET = "secretsmanager:CancelRotateSecret";

    // Admin actions; their resource is always * (the region). Intended mapping of AdminService calls:
    /** GetClusterStatus, GetNodeStatus, GetRegionStatus, ListUnshippedChanges. */
    public static final String GET_CLUSTER_STATUS = "kinko:GetClusterStatus";
    /** AddMember, RemoveMember, TransferLeadership, TakeSnapshot. */
    public static final String MANAGE_MEMBERS = "kinko:ManageMembers";
    public static final String BACKUP = "kinko:Backup";
    /** RotateRegionKey and RewrapDataKeys. */
    public static final String ROTATE_REGION_KEY = "kinko:RotateRegionKey";
    /** PutRegionLink and DeleteRegionLink. */
    public static final String MANAGE_LINKS = "kinko:ManageLinks";
    public static final String PROMOTE_REGION = "kinko:PromoteRegion";
    public static final String REPLICATE_REGION = "kinko:ReplicateRegion";
    public static final String MANAGE_POLICIES = "kinko:ManagePolicies";
    public static final String MANAGE_TOKENS = "kinko:ManageTokens";
    public static final String READ_AUDIT = "kinko:ReadAudit";
    /** Shipping journal batches into this region: what a source region's identity needs on a replica region. */
    public static final String REPLICATE = "kinko:Replicate";
    /** An external rotator: ReceiveRotationJobs and ReportRotationStep (it reads and writes values with secrets actions). */
    public static final String RUN_ROTATOR = "kinko:RunRotator";

    /** Every action, secrets calls first, in declaration order. */
    public static final Set<String> ALL = Collections.unmodifiableSet(new LinkedHashSet<>(List.of(
            CREATE_SECRET, GET_SECRET_VALUE, BATCH_GET_SECRET_VALUE, PUT_SECRET_VALUE, UPDATE_SECRET,
            DESCRIBE_SECRET, LIST_SECRETS, LIST_SECRET_VERSION_IDS, UPDATE_SECRET_VERSION_STAGE, DELETE_SECRET,
            RESTORE_SECRET, TAG_RESOURCE, UNTAG_RESOURCE, GET_RANDOM_PASSWORD, REPLICATE_SECRET_TO_REGIONS,
            REMOVE_REGIONS_FROM_REPLICATION, STOP_REPLICATION_TO_REPLICA, ROTATE_SECRET, CANCEL_ROTATE_SECRET,
            GET_CLUSTER_STATUS, MANAGE_MEMBERS, BACKUP, ROTATE_REGION_KEY, MANAGE_LINKS, PROMOTE_REGION,
            REPLICATE_REGION, MANAGE_POLICIES, MANAGE_TOKENS, READ_AUDIT, REPLICATE, RUN_ROTATOR)));

    private static final Map<String, String> BY_LOWER_CASE = byLowerCase();

    private static Map<String, String> byLowerCase() {
        Map<String, String> map = new LinkedHashMap<>();
        ALL.forEach(a -> map.put(lower(a), a));
        return Map.copyOf(map);
    }

    /** The action as declared here, whatever the case of {@code name}; empty when there is no such action. */
    public static Optional<String> canonical(String name) {
        return Optional.ofNullable(BY_LOWER_CASE.get(lower(name)));
    }

    /** True for a known action of the secrets service (its resource is a secret name, or * for list and password). */
    public static boolean isSecretAction(String name) {
        return canonical(name).filter(a -> a.startsWith(SECRETS_SERVICE + ":")).isPresent();
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
