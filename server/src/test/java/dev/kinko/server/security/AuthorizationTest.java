package dev.kinko.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Message;
import dev.kinko.proto.replication.v1.ReplicationServiceGrpc;
import dev.kinko.proto.v1.*;
import dev.kinko.server.api.security.MethodActions;
import dev.kinko.server.domain.policy.Actions;
import dev.kinko.server.rpc.Statuses;
import dev.kinko.server.testing.TestRegion;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every RPC against a real region: refused without its action (deny by default, and an
 * explicit Deny beating Allow *), let through with it; resource patterns, wildcards and tag
 * conditions as documented; ListSecrets and BatchGetSecretValue show only what may be read.
 */
class AuthorizationTest {
    @TempDir
    static Path dir;
    static TestRegion tokyo;

    /** One row: a method, a request that changes nothing important when allowed, and its action. */
    record Row(MethodDescriptor<Message, Message> method, Message request, String action) {
        @Override
        public String toString() {
            return method.getBareMethodName();
        }
    }

    @SuppressWarnings("unchecked")
    static Row row(MethodDescriptor<?, ?> method, Message request, String action) {
        return new Row((MethodDescriptor<Message, Message>) method, request, action);
    }

    @BeforeAll
    static void start() {
        tokyo = TestRegion.builder("tokyo", dir).size(1).start();
        tokyo.secrets(0).createSecret(CreateSecretRequest.newBuilder().setName("table/s").setSecretString("v").build());
        tokyo.secrets(0).createSecret(CreateSecretRequest.newBuilder().setName("table/doomed").setSecretString("v").build());
    }

    @AfterAll
    static void stop() {
        tokyo.close();
    }

    static List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        String s = "table/s";
        rows.add(row(SecretsServiceGrpc.getCreateSecretMethod(), CreateSecretRequest.newBuilder().setName("table/new")
                .setSecretString("v").build(), Actions.CREATE_SECRET));
        rows.add(row(SecretsServiceGrpc.getGetSecretValueMethod(), GetSecretValueRequest.newBuilder().setSecretId(s).build(),
                Actions.GET_SECRET_VALUE));
        rows.add(row(SecretsServiceGrpc.getBatchGetSecretValueMethod(), BatchGetSecretValueRequest.newBuilder()
                .addSecretIds(s).build(), Actions.BATCH_GET_SECRET_VALUE));
        rows.add(row(SecretsServiceGrpc.getPutSecretValueMethod(), PutSecretValueRequest.newBuilder().setSecretId(s)
                .setSecretString("v2").build(), Actions.PUT_SECRET_VALUE));
        rows.add(row(SecretsServiceGrpc.getUpdateSecretMethod(), UpdateSecretRequest.newBuilder().setSecretId(s)
                .setDescription("d").build(), Actions.UPDATE_SECRET));
        rows.add(row(SecretsServiceGrpc.getDescribeSecretMethod(), DescribeSecretRequest.newBuilder().setSecretId(s).build(),
                Actions.DESCRIBE_SECRET));
        rows.add(row(SecretsServiceGrpc.getListSecretsMethod(), ListSecretsRequest.getDefaultInstance(), Actions.LIST_SECRETS));
        rows.add(row(SecretsServiceGrpc.getListSecretVersionIdsMethod(), ListSecretVersionIdsRequest.newBuilder()
                .setSecretId(s).build(), Actions.LIST_SECRET_VERSION_IDS));
        rows.add(row(SecretsServiceGrpc.getUpdateSecretVersionStageMethod(), UpdateSecretVersionStageRequest.newBuilder()
                .setSecretId(s).setVersionStage("custom").setMoveToVersionId("no-such-version").build(),
                Actions.UPDATE_SECRET_VERSION_STAGE));
        rows.add(row(SecretsServiceGrpc.getDeleteSecretMethod(), DeleteSecretRequest.newBuilder().setSecretId("table/doomed")
                .setRecoveryWindowInDays(7).build(), Actions.DELETE_SECRET));
        rows.add(row(SecretsServiceGrpc.getRestoreSecretMethod(), RestoreSecretRequest.newBuilder().setSecretId("table/doomed")
                .build(), Actions.RESTORE_SECRET));
        rows.add(row(SecretsServiceGrpc.getTagResourceMethod(), TagResourceRequest.newBuilder().setSecretId(s)
                .addTags(Tag.newBuilder().setKey("k").setValue("v")).build(), Actions.TAG_RESOURCE));
        rows.add(row(SecretsServiceGrpc.getUntagResourceMethod(), UntagResourceRequest.newBuilder().setSecretId(s)
                .addTagKeys("k").build(), Actions.UNTAG_RESOURCE));
        rows.add(row(SecretsServiceGrpc.getGetRandomPasswordMethod(), GetRandomPasswordRequest.getDefaultInstance(),
                Actions.GET_RANDOM_PASSWORD));
        rows.add(row(SecretsServiceGrpc.getReplicateSecretToRegionsMethod(), ReplicateSecretToRegionsRequest.newBuilder()
                .setSecretId(s).addAddReplicaRegions("nowhere").build(), Actions.REPLICATE_SECRET_TO_REGIONS));
        rows.add(row(SecretsServiceGrpc.getRemoveRegionsFromReplicationMethod(), RemoveRegionsFromReplicationRequest
                .newBuilder().setSecretId(s).addRemoveReplicaRegions("nowhere").build(), Actions.REMOVE_REGIONS_FROM_REPLICATION));
        rows.add(row(SecretsServiceGrpc.getStopReplicationToReplicaMethod(), StopReplicationToReplicaRequest.newBuilder()
                .setSecretId(s).build(), Actions.STOP_REPLICATION_TO_REPLICA));
        rows.add(row(SecretsServiceGrpc.getRotateSecretMethod(), dev.kinko.proto.v1.RotateSecretRequest.newBuilder()
                .setSecretId(s).setRotator("nobody").build(), Actions.ROTATE_SECRET));
        rows.add(row(SecretsServiceGrpc.getCancelRotateSecretMethod(), dev.kinko.proto.v1.CancelRotateSecretRequest
                .newBuilder().setSecretId(s).build(), Actions.CANCEL_ROTATE_SECRET));
        // an invalid rotator name: allowed, the stream ends at once instead of waiting for jobs
        rows.add(row(dev.kinko.proto.v1.RotatorServiceGrpc.getReceiveRotationJobsMethod(),
                dev.kinko.proto.v1.ReceiveRotationJobsRequest.newBuilder().setRotator("bad name!").build(),
                Actions.RUN_ROTATOR));
        rows.add(row(dev.kinko.proto.v1.RotatorServiceGrpc.getReportRotationStepMethod(),
                dev.kinko.proto.v1.ReportRotationStepRequest.newBuilder().setSecretId(s).setToken("nope").build(),
                Actions.RUN_ROTATOR));

        rows.add(row(AdminServiceGrpc.getGetClusterStatusMethod(), GetClusterStatusRequest.getDefaultInstance(),
                Actions.GET_CLUSTER_STATUS));
        rows.add(row(AdminServiceGrpc.getGetNodeStatusMethod(), GetNodeStatusRequest.getDefaultInstance(),
                Actions.GET_CLUSTER_STATUS));
        rows.add(row(AdminServiceGrpc.getGetRegionStatusMethod(), GetRegionStatusRequest.getDefaultInstance(),
                Actions.GET_CLUSTER_STATUS));
        rows.add(row(AdminServiceGrpc.getListUnshippedChangesMethod(), ListUnshippedChangesRequest.newBuilder()
                .setRegion("nowhere").build(), Actions.GET_CLUSTER_STATUS));
        rows.add(row(AdminServiceGrpc.getAddMemberMethod(), AddMemberRequest.newBuilder().setMember(Member.newBuilder()
                .setNodeId("bad id!")).build(), Actions.MANAGE_MEMBERS));
        rows.add(row(AdminServiceGrpc.getRemoveMemberMethod(), RemoveMemberRequest.newBuilder().setNodeId("nope").build(),
                Actions.MANAGE_MEMBERS));
        rows.add(row(AdminServiceGrpc.getTransferLeadershipMethod(), TransferLeadershipRequest.newBuilder()
                .setNodeId("nope").build(), Actions.MANAGE_MEMBERS));
        rows.add(row(AdminServiceGrpc.getTakeSnapshotMethod(), TakeSnapshotRequest.getDefaultInstance(), Actions.MANAGE_MEMBERS));
        rows.add(row(AdminServiceGrpc.getBackupMethod(), BackupRequest.getDefaultInstance(), Actions.BACKUP));
        rows.add(row(AdminServiceGrpc.getRotateRegionKeyMethod(), RotateRegionKeyRequest.getDefaultInstance(),
                Actions.ROTATE_REGION_KEY));
        rows.add(row(AdminServiceGrpc.getRewrapDataKeysMethod(), RewrapDataKeysRequest.getDefaultInstance(),
                Actions.ROTATE_REGION_KEY));
        rows.add(row(AdminServiceGrpc.getPutRegionLinkMethod(), PutRegionLinkRequest.getDefaultInstance(), Actions.MANAGE_LINKS));
        rows.add(row(AdminServiceGrpc.getDeleteRegionLinkMethod(), DeleteRegionLinkRequest.newBuilder().setRegion("nowhere")
                .build(), Actions.MANAGE_LINKS));
        rows.add(row(AdminServiceGrpc.getPromoteRegionMethod(), PromoteRegionRequest.getDefaultInstance(),
                Actions.PROMOTE_REGION));
        rows.add(row(AdminServiceGrpc.getReplicateRegionMethod(), ReplicateRegionRequest.newBuilder().setRegion("nowhere")
                .build(), Actions.REPLICATE_REGION));
        rows.add(row(AdminServiceGrpc.getGetAuditHeadsMethod(), GetAuditHeadsRequest.getDefaultInstance(), Actions.READ_AUDIT));

        rows.add(row(AccessServiceGrpc.getPutPolicyMethod(), PutPolicyRequest.newBuilder().setName("table-made")
                .setDocument(allowOnly(Actions.GET_SECRET_VALUE)).build(), Actions.MANAGE_POLICIES));
        rows.add(row(AccessServiceGrpc.getGetPolicyMethod(), GetPolicyRequest.newBuilder().setName("nope").build(),
                Actions.MANAGE_POLICIES));
        rows.add(row(AccessServiceGrpc.getListPoliciesMethod(), ListPoliciesRequest.getDefaultInstance(),
                Actions.MANAGE_POLICIES));
        rows.add(row(AccessServiceGrpc.getDeletePolicyMethod(), DeletePolicyRequest.newBuilder().setName("nope").build(),
                Actions.MANAGE_POLICIES));
        rows.add(row(AccessServiceGrpc.getCreateTokenMethod(), CreateTokenRequest.newBuilder()
                .addPolicies("allow-" + Actions.MANAGE_TOKENS.replace(':', '-')).build(), Actions.MANAGE_TOKENS));
        rows.add(row(AccessServiceGrpc.getListTokensMethod(), ListTokensRequest.getDefaultInstance(), Actions.MANAGE_TOKENS));
        rows.add(row(AccessServiceGrpc.getRevokeTokenMethod(), RevokeTokenRequest.newBuilder().setAccessor("nope").build(),
                Actions.MANAGE_TOKENS));
        return rows;
    }

    static String allowOnly(String action) {
        return """
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "%s", "Resource": "*"}]}
                """.formatted(action);
    }

    static String allowAllBut(String action) {
        return """
                {"Version": "2012-10-17", "Statement": [
                  {"Sid": "everything", "Effect": "Allow", "Action": "*", "Resource": "*"},
                  {"Sid": "but", "Effect": "Deny", "Action": "%s", "Resource": "*"}]}
                """.formatted(action);
    }

    /** Runs one call as {@code token}; returns the status it ended with (OK when it succeeded). */
    static Status.Code call(String token, Row row) {
        Channel channel = ClientInterceptors.intercept(tokyo.bareChannel(0), TestRegion.bearer(token));
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS);
        try {
            if (row.method().getType() == MethodDescriptor.MethodType.SERVER_STREAMING) {
                Iterator<Message> it = ClientCalls.blockingServerStreamingCall(channel, row.method(), options, row.request());
                it.hasNext();
            } else {
                ClientCalls.blockingUnaryCall(channel, row.method(), options, row.request());
            }
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }

    @Test
    void everyRpcHasAnActionAndIsCoveredByTheTable() {
        for (io.grpc.ServiceDescriptor service : List.of(SecretsServiceGrpc.getServiceDescriptor(),
                AdminServiceGrpc.getServiceDescriptor(), AccessServiceGrpc.getServiceDescriptor(),
                ReplicationServiceGrpc.getServiceDescriptor(),
                dev.kinko.proto.v1.RotatorServiceGrpc.getServiceDescriptor())) {
            assertThat(MethodActions.uncovered(service)).as(service.getName()).isEmpty();
        }
        List<String> tabled = rows().stream().map(r -> r.method().getFullMethodName()).toList();
        for (io.grpc.ServiceDescriptor service : List.of(SecretsServiceGrpc.getServiceDescriptor(),
                AdminServiceGrpc.getServiceDescriptor(), AccessServiceGrpc.getServiceDescriptor(),
                dev.kinko.proto.v1.RotatorServiceGrpc.getServiceDescriptor())) {
            service.getMethods().stream().map(MethodDescriptor::getFullMethodName)
                    .filter(m -> !m.equals(AccessServiceGrpc.getWhoAmIMethod().getFullMethodName()))
                    .forEach(m -> assertThat(tabled).as("the table covers every RPC").contains(m));
        }
    }

    @Test
    void everyRpcIsDeniedWithoutItsActionAndAllowedWithIt() {
        List<String> wrong = new ArrayList<>();
        for (Row row : rows()) {
            String id = row.action().replace(':', '-');
            String only = tokyo.tokenWithPolicy(0, "allow-" + id, allowOnly(row.action()));
            String allBut = tokyo.tokenWithPolicy(0, "all-but-" + id, allowAllBut(row.action()));
            String unrelated = tokyo.tokenWithPolicy(0, "unrelated-" + id, allowOnly(
                    row.action().equals(Actions.GET_RANDOM_PASSWORD) ? Actions.LIST_SECRETS : Actions.GET_RANDOM_PASSWORD));
            Status.Code withIt = call(only, row);
            Status.Code denied = call(allBut, row);
            Status.Code without = call(unrelated, row);
            if (withIt == Status.Code.PERMISSION_DENIED || withIt == Status.Code.UNAUTHENTICATED) {
                wrong.add(row + " with " + row.action() + ": " + withIt);
            }
            if (denied != Status.Code.PERMISSION_DENIED) {
                wrong.add(row + " under Allow * with Deny " + row.action() + ": " + denied);
            }
            if (without != Status.Code.PERMISSION_DENIED) {
                wrong.add(row + " without " + row.action() + ": " + without);
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void regionLinkActionsAreForRegionCertificatesOnlyEvenUnderAllowAll() {
        String all = tokyo.tokenWithPolicy(0, "allow-everything", allowOnly("*"));
        Row info = row(ReplicationServiceGrpc.getGetRegionInfoMethod(),
                dev.kinko.proto.replication.v1.GetRegionInfoRequest.getDefaultInstance(), Actions.REPLICATE);
        assertThat(call(all, info)).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(call(tokyo.rootToken(), info)).isEqualTo(Status.Code.PERMISSION_DENIED);
    }

    @Test
    void secretPatternsAndWildcardsMatchAsDocumented() {
        for (String name : List.of("prod/a", "prod/db/1", "dev/a")) {
            tokyo.secrets(0).createSecret(CreateSecretRequest.newBuilder().setName(name).setSecretString("v").build());
        }
        String token = tokyo.tokenWithPolicy(0, "prod-reader", """
                {"Version": "2012-10-17", "Statement": [
                  {"Effect": "Allow", "Action": "secretsmanager:Get*", "Resource": "prod/*"},
                  {"Effect": "Allow", "Action": "secretsmanager:DescribeSecret",
                   "Resource": "arn:kinko:secretsmanager:*:*:secret:dev/?"}]}
                """);
        SecretsServiceGrpc.SecretsServiceBlockingStub s = stub(token);
        assertThat(s.getSecretValue(get("prod/a")).getSecretString()).isEqualTo("v");
        assertThat(s.getSecretValue(get("prod/db/1")).getSecretString()).isEqualTo("v");
        assertDenied(() -> s.getSecretValue(get("dev/a")));
        // a secret that does not exist: refused the same way where the caller may not read, NOT_FOUND where it may
        assertDenied(() -> s.getSecretValue(get("dev/none")));
        assertThatThrownBy(() -> s.getSecretValue(get("prod/none"))).isInstanceOf(StatusRuntimeException.class)
                .extracting(e -> ((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        // the ARN pattern with '?' matches one character
        assertThat(s.describeSecret(DescribeSecretRequest.newBuilder().setSecretId("dev/a").build()).getSecret()
                .getName()).isEqualTo("dev/a");
        assertDenied(() -> s.describeSecret(DescribeSecretRequest.newBuilder().setSecretId("prod/a").build()));
        // by id as well as by name: the secret's name decides
        String devId = tokyo.secrets(0).describeSecret(DescribeSecretRequest.newBuilder().setSecretId("dev/a").build())
                .getSecret().getId();
        assertDenied(() -> s.getSecretValue(get(devId)));
    }

    @Test
    void tagConditionsDecideByTheSecretsTags() {
        tokyo.secrets(0).createSecret(CreateSecretRequest.newBuilder().setName("tags/pay").setSecretString("p")
                .addTags(Tag.newBuilder().setKey("team").setValue("payments")).build());
        tokyo.secrets(0).createSecret(CreateSecretRequest.newBuilder().setName("tags/pay-eu").setSecretString("e")
                .addTags(Tag.newBuilder().setKey("team").setValue("payments-eu")).build());
        tokyo.secrets(0).createSecret(CreateSecretRequest.newBuilder().setName("tags/none").setSecretString("n").build());
        String equals = tokyo.tokenWithPolicy(0, "team-equals", """
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                  "Resource": "*", "Condition": {"StringEquals": {"secretsmanager:ResourceTag/team": "payments"}}}]}
                """);
        String like = tokyo.tokenWithPolicy(0, "team-like", """
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                  "Resource": "*", "Condition": {"StringLike": {"secretsmanager:ResourceTag/team": "payments*"}}}]}
                """);
        assertThat(stub(equals).getSecretValue(get("tags/pay")).getSecretString()).isEqualTo("p");
        assertDenied(() -> stub(equals).getSecretValue(get("tags/pay-eu")));
        assertDenied(() -> stub(equals).getSecretValue(get("tags/none")));
        assertThat(stub(like).getSecretValue(get("tags/pay-eu")).getSecretString()).isEqualTo("e");
        assertDenied(() -> stub(like).getSecretValue(get("tags/none")));
    }

    @Test
    void listSecretsAndBatchGetShowOnlyWhatTheCallerMayRead() {
        for (String name : List.of("list/prod/a", "list/prod/b", "list/dev/a")) {
            tokyo.secrets(0).createSecret(CreateSecretRequest.newBuilder().setName(name).setSecretString(name).build());
        }
        String token = tokyo.tokenWithPolicy(0, "list-prod", """
                {"Version": "2012-10-17", "Statement": [
                  {"Effect": "Allow", "Action": ["secretsmanager:ListSecrets", "secretsmanager:BatchGetSecretValue"],
                   "Resource": "*"},
                  {"Effect": "Allow", "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
                   "Resource": "list/prod/*"}]}
                """);
        List<String> listed = stub(token).listSecrets(ListSecretsRequest.newBuilder().setNamePrefix("list/").build())
                .getSecretsList().stream().map(SecretMetadata::getName).toList();
        assertThat(listed).containsExactly("list/prod/a", "list/prod/b");
        BatchGetSecretValueResponse batch = stub(token).batchGetSecretValue(BatchGetSecretValueRequest.newBuilder()
                .addSecretIds("list/prod/a").addSecretIds("list/dev/a").addSecretIds("list/dev/none").build());
        assertThat(batch.getSecretValuesList()).extracting(GetSecretValueResponse::getSecretString)
                .containsExactly("list/prod/a");
        assertThat(batch.getErrorsList()).extracting(BatchGetSecretValueError::getReason)
                .containsExactly("ACCESS_DENIED", "ACCESS_DENIED");
    }

    @Test
    void aTokenCannotGrantPoliciesItDoesNotHold() {
        String manager = tokyo.tokenWithPolicy(0, "token-manager", allowOnly(Actions.MANAGE_TOKENS));
        tokyo.access(0).putPolicy(PutPolicyRequest.newBuilder().setName("powerful").setDocument(allowOnly("*")).build());
        AccessServiceGrpc.AccessServiceBlockingStub a = AccessServiceGrpc.newBlockingStub(tokyo.bareChannel(0))
                .withInterceptors(TestRegion.bearer(manager));
        assertThatThrownBy(() -> a.createToken(CreateTokenRequest.newBuilder().addPolicies("powerful").build()))
                .satisfies(e -> assertThat(Statuses.reasonOf(e)).isEqualTo("ACCESS_DENIED"));
        assertThat(a.createToken(CreateTokenRequest.newBuilder().addPolicies("token-manager").build()).getToken())
                .startsWith("kinko.");
        // nor outlive itself: a shorter-lived manager's tokens expire with it
        String brief = tokyo.access(0).createToken(CreateTokenRequest.newBuilder().addPolicies("token-manager")
                .setTtlSeconds(3_600).build()).getToken();
        AccessServiceGrpc.AccessServiceBlockingStub b = AccessServiceGrpc.newBlockingStub(tokyo.bareChannel(0))
                .withInterceptors(TestRegion.bearer(brief));
        assertThatThrownBy(() -> b.createToken(CreateTokenRequest.newBuilder().addPolicies("token-manager")
                .setTtlSeconds(7_200).build())).satisfies(e -> assertThat(Statuses.reasonOf(e)).isEqualTo("INVALID_TTL"));
        TokenInfo child = b.createToken(CreateTokenRequest.newBuilder().addPolicies("token-manager").build()).getInfo();
        assertThat(child.getExpirationDate().getSeconds() - child.getCreatedDate().getSeconds()).isLessThanOrEqualTo(3_600);
    }

    static SecretsServiceGrpc.SecretsServiceBlockingStub stub(String token) {
        return SecretsServiceGrpc.newBlockingStub(tokyo.bareChannel(0)).withInterceptors(TestRegion.bearer(token))
                .withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    static GetSecretValueRequest get(String id) {
        return GetSecretValueRequest.newBuilder().setSecretId(id).build();
    }

    static void assertDenied(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOf(StatusRuntimeException.class).satisfies(e -> {
            assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(Statuses.reasonOf(e)).isEqualTo("ACCESS_DENIED");
        });
    }
}
