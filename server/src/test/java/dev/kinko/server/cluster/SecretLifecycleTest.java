package dev.kinko.server.cluster;

import static dev.kinko.server.testing.Grpcs.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.CreateSecretResponse;
import dev.kinko.proto.v1.DeleteSecretRequest;
import dev.kinko.proto.v1.DeleteSecretResponse;
import dev.kinko.proto.v1.DescribeSecretRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.GetSecretValueResponse;
import dev.kinko.proto.v1.ListSecretVersionIdsRequest;
import dev.kinko.proto.v1.ListSecretsRequest;
import dev.kinko.proto.v1.ListSecretsResponse;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.PutSecretValueResponse;
import dev.kinko.proto.v1.ReadConsistency;
import dev.kinko.proto.v1.RestoreSecretRequest;
import dev.kinko.proto.v1.SecretMetadata;
import dev.kinko.proto.v1.SecretVersionInfo;
import dev.kinko.proto.v1.SecretsServiceGrpc.SecretsServiceBlockingStub;
import dev.kinko.proto.v1.Tag;
import dev.kinko.proto.v1.TagResourceRequest;
import dev.kinko.proto.v1.UntagResourceRequest;
import dev.kinko.proto.v1.UpdateSecretRequest;
import dev.kinko.proto.v1.UpdateSecretVersionStageRequest;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.testing.MutableClock;
import dev.kinko.server.testing.TestRegion;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole secret lifecycle through gRPC against a real 3-node region. */
class SecretLifecycleTest {
    @TempDir
    static Path dir;
    static final MutableClock clock = new MutableClock();
    static TestRegion region;
    static int leader;
    static int follower;

    @BeforeAll
    static void start() {
        region = TestRegion.builder("tokyo", dir).clock(clock).purgeEverySecond().start();
        leader = region.awaitLeader();
        follower = (leader + 1) % 3;
    }

    @AfterAll
    static void stop() {
        region.close();
    }

    static String token() {
        return UUID.randomUUID().toString();
    }

    static String unique(String prefix) {
        return prefix + "/" + UUID.randomUUID().toString().substring(0, 8);
    }

    SecretsServiceBlockingStub viaFollower() {
        return region.secrets(follower);
    }

    CreateSecretResponse create(String name, String value) {
        return viaFollower().createSecret(CreateSecretRequest.newBuilder().setName(name).setSecretString(value).build());
    }

    String current(String name) {
        return region.secrets(leader).getSecretValue(GetSecretValueRequest.newBuilder().setSecretId(name).build())
                .getSecretString();
    }

    @Test
    void createsReadsAndPutsThroughAnyNode() {
        String name = unique("prod/db/password");
        CreateSecretResponse created = create(name, "s3cr3t-1");
        assertThat(created.getVersionId()).isNotEmpty();
        assertThat(created.getName()).isEqualTo(name);

        for (int i = 0; i < 3; i++) {
            GetSecretValueResponse got = region.secrets(i).getSecretValue(
                    GetSecretValueRequest.newBuilder().setSecretId(name).build());
            assertThat(got.getSecretString()).isEqualTo("s3cr3t-1");
            assertThat(got.getVersionStagesList()).containsExactly("CURRENT");
        }
        // by id as well as by name
        assertThat(region.secrets(leader).getSecretValue(GetSecretValueRequest.newBuilder()
                .setSecretId(created.getId()).build()).getSecretString()).isEqualTo("s3cr3t-1");

        PutSecretValueResponse put = viaFollower().putSecretValue(PutSecretValueRequest.newBuilder()
                .setSecretId(name).setSecretString("s3cr3t-2").build());
        assertThat(put.getVersionStagesList()).containsExactly("CURRENT");
        assertThat(current(name)).isEqualTo("s3cr3t-2");
        GetSecretValueResponse previous = region.secrets(leader).getSecretValue(GetSecretValueRequest.newBuilder()
                .setSecretId(name).setVersionStage("PREVIOUS").build());
        assertThat(previous.getSecretString()).isEqualTo("s3cr3t-1");
        assertThat(previous.getVersionId()).isEqualTo(created.getVersionId());
    }

    @Test
    void binaryValuesRoundTrip() {
        String name = unique("certs/key");
        byte[] bytes = {0, 1, 2, (byte) 0xff, 42};
        viaFollower().createSecret(CreateSecretRequest.newBuilder().setName(name)
                .setSecretBinary(ByteString.copyFrom(bytes)).build());
        GetSecretValueResponse got = region.secrets(leader).getSecretValue(
                GetSecretValueRequest.newBuilder().setSecretId(name).build());
        assertThat(got.getSecretBinary().toByteArray()).isEqualTo(bytes);
        assertThat(got.hasSecretString()).isFalse();
    }

    @Test
    void retriesWithTheSameTokenAreIdempotent() {
        String name = unique("api/key");
        String createToken = token();
        CreateSecretRequest create = CreateSecretRequest.newBuilder().setName(name)
                .setClientRequestToken(createToken).setSecretString("v1").build();
        CreateSecretResponse first = viaFollower().createSecret(create);
        CreateSecretResponse retry = region.secrets(leader).createSecret(create);
        assertThat(retry.getId()).isEqualTo(first.getId());
        assertThat(retry.getVersionId()).isEqualTo(createToken);
        assertRefused(() -> viaFollower().createSecret(create.toBuilder().setSecretString("other").build()),
                Status.Code.FAILED_PRECONDITION, "IDEMPOTENCY_CONFLICT");
        assertRefused(() -> viaFollower().createSecret(create.toBuilder().setClientRequestToken(token()).build()),
                Status.Code.ALREADY_EXISTS, "SECRET_EXISTS");

        String putToken = token();
        PutSecretValueRequest put = PutSecretValueRequest.newBuilder().setSecretId(name)
                .setClientRequestToken(putToken).setSecretString("v2").build();
        viaFollower().putSecretValue(put);
        PutSecretValueResponse again = viaFollower().putSecretValue(put);
        assertThat(again.getVersionId()).isEqualTo(putToken);
        assertRefused(() -> viaFollower().putSecretValue(put.toBuilder().setSecretString("v3").build()),
                Status.Code.FAILED_PRECONDITION, "IDEMPOTENCY_CONFLICT");

        List<SecretVersionInfo> versions = region.secrets(leader).listSecretVersionIds(
                ListSecretVersionIdsRequest.newBuilder().setSecretId(name).setIncludeDeprecated(true).build())
                .getVersionsList();
        assertThat(versions).extracting(SecretVersionInfo::getVersionId).containsExactly(putToken, createToken);
        assertThat(current(name)).isEqualTo("v2");
    }

    @Test
    void labelsMoveBetweenVersions() {
        String name = unique("rotating/token");
        String v1 = create(name, "one").getVersionId();
        String v2 = viaFollower().putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name)
                .setSecretString("two").addVersionStages("PENDING").build()).getVersionId();
        // a value put with only PENDING leaves CURRENT where it was
        assertThat(current(name)).isEqualTo("one");

        assertRefused(() -> viaFollower().updateSecretVersionStage(UpdateSecretVersionStageRequest.newBuilder()
                .setSecretId(name).setVersionStage("CURRENT").setMoveToVersionId(v2).build()),
                Status.Code.FAILED_PRECONDITION, "LABEL_CONFLICT");
        viaFollower().updateSecretVersionStage(UpdateSecretVersionStageRequest.newBuilder().setSecretId(name)
                .setVersionStage("CURRENT").setRemoveFromVersionId(v1).setMoveToVersionId(v2).build());
        assertThat(current(name)).isEqualTo("two");

        SecretMetadata meta = region.secrets(leader).describeSecret(
                DescribeSecretRequest.newBuilder().setSecretId(name).build()).getSecret();
        assertThat(stagesOf(meta, v1)).containsExactly("PREVIOUS");
        assertThat(stagesOf(meta, v2)).containsExactlyInAnyOrder("PENDING", "CURRENT");

        viaFollower().updateSecretVersionStage(UpdateSecretVersionStageRequest.newBuilder().setSecretId(name)
                .setVersionStage("PENDING").setRemoveFromVersionId(v2).build());
        assertRefused(() -> viaFollower().updateSecretVersionStage(UpdateSecretVersionStageRequest.newBuilder()
                .setSecretId(name).setVersionStage("CURRENT").setRemoveFromVersionId(v2).build()),
                Status.Code.FAILED_PRECONDITION, "LABEL_CONFLICT");
        assertRefused(() -> viaFollower().updateSecretVersionStage(UpdateSecretVersionStageRequest.newBuilder()
                .setSecretId(name).setVersionStage("custom").setMoveToVersionId("no-such-version").build()),
                Status.Code.NOT_FOUND, "VERSION_NOT_FOUND");
    }

    static List<String> stagesOf(SecretMetadata meta, String versionId) {
        return meta.getVersionsList().stream().filter(v -> v.getVersionId().equals(versionId)).findFirst()
                .orElseThrow().getVersionStagesList();
    }

    @Test
    void theOldestDeprecatedVersionGoesWhenTheHundredAndFirstArrives() {
        String name = unique("many/versions");
        String first = create(name, "value-1").getVersionId();
        String second = null;
        for (int i = 2; i <= Limits.MAX_VERSIONS; i++) {
            String id = viaFollower().putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name)
                    .setSecretString("value-" + i).build()).getVersionId();
            if (i == 2) {
                second = id;
            }
        }
        assertThat(allVersions(name)).hasSize(Limits.MAX_VERSIONS).contains(first);

        viaFollower().putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name)
                .setSecretString("value-101").build());
        List<String> after = allVersions(name);
        assertThat(after).hasSize(Limits.MAX_VERSIONS).doesNotContain(first).contains(second);
        assertRefused(() -> region.secrets(leader).getSecretValue(GetSecretValueRequest.newBuilder()
                .setSecretId(name).setVersionId(first).build()), Status.Code.NOT_FOUND, "VERSION_NOT_FOUND");
        assertThat(current(name)).isEqualTo("value-101");
        // without deprecated versions only CURRENT and PREVIOUS are listed
        assertThat(region.secrets(leader).listSecretVersionIds(ListSecretVersionIdsRequest.newBuilder()
                .setSecretId(name).build()).getVersionsCount()).isEqualTo(2);
    }

    List<String> allVersions(String name) {
        List<String> ids = new ArrayList<>();
        String token = "";
        do {
            var page = region.secrets(leader).listSecretVersionIds(ListSecretVersionIdsRequest.newBuilder()
                    .setSecretId(name).setIncludeDeprecated(true).setPageSize(30).setPageToken(token).build());
            page.getVersionsList().forEach(v -> ids.add(v.getVersionId()));
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        return ids;
    }

    @Test
    void deletionWindowRestoreAndPurge() {
        String name = unique("to/delete");
        create(name, "doomed");
        assertRefused(() -> viaFollower().deleteSecret(DeleteSecretRequest.newBuilder().setSecretId(name)
                .setRecoveryWindowInDays(6).build()), Status.Code.INVALID_ARGUMENT, "INVALID_RECOVERY_WINDOW");
        DeleteSecretResponse deleted = viaFollower().deleteSecret(DeleteSecretRequest.newBuilder()
                .setSecretId(name).setRecoveryWindowInDays(7).build());
        assertThat(deleted.getDeletionDate().getSeconds() * 1000)
                .isBetween(clock.millis() + Duration.ofDays(7).minusMinutes(1).toMillis(),
                        clock.millis() + Duration.ofDays(7).toMillis());

        assertRefused(() -> current(name), Status.Code.FAILED_PRECONDITION, "SCHEDULED_FOR_DELETION");
        assertRefused(() -> viaFollower().putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name)
                .setSecretString("x").build()), Status.Code.FAILED_PRECONDITION, "SCHEDULED_FOR_DELETION");
        SecretMetadata meta = region.secrets(leader).describeSecret(
                DescribeSecretRequest.newBuilder().setSecretId(name).build()).getSecret();
        assertThat(meta.hasDeletedDate()).isTrue();
        assertThat(listNames(name, false)).isEmpty();
        assertThat(listNames(name, true)).containsExactly(name);

        viaFollower().restoreSecret(RestoreSecretRequest.newBuilder().setSecretId(name).build());
        assertThat(current(name)).isEqualTo("doomed");

        viaFollower().deleteSecret(DeleteSecretRequest.newBuilder().setSecretId(name).build());
        clock.advance(Duration.ofDays(29));
        // not yet: the default window is 30 days
        assertThat(listNames(name, true)).containsExactly(name);
        clock.advance(Duration.ofDays(1).plusMinutes(1));
        await().atMost(TestRegion.SETTLE).untilAsserted(() ->
                assertRefused(() -> region.secrets(follower).describeSecret(DescribeSecretRequest.newBuilder()
                        .setSecretId(name).build()), Status.Code.NOT_FOUND, "SECRET_NOT_FOUND"));
        // the name is free again
        create(name, "reborn");
        assertThat(current(name)).isEqualTo("reborn");
    }

    @Test
    void forcedDeletionIsImmediate() {
        String name = unique("force/delete");
        create(name, "gone");
        assertRefused(() -> viaFollower().deleteSecret(DeleteSecretRequest.newBuilder().setSecretId(name)
                .setForceDeleteWithoutRecovery(true).setRecoveryWindowInDays(7).build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_RECOVERY_WINDOW");
        viaFollower().deleteSecret(DeleteSecretRequest.newBuilder().setSecretId(name)
                .setForceDeleteWithoutRecovery(true).build());
        for (int i = 0; i < 3; i++) {
            int node = i;
            await().atMost(TestRegion.SETTLE).untilAsserted(() -> assertRefused(() -> region.secrets(node)
                    .getSecretValue(GetSecretValueRequest.newBuilder().setSecretId(name).build()),
                    Status.Code.NOT_FOUND, "SECRET_NOT_FOUND"));
        }
        assertRefused(() -> viaFollower().restoreSecret(RestoreSecretRequest.newBuilder().setSecretId(name).build()),
                Status.Code.NOT_FOUND, "SECRET_NOT_FOUND");
        create(name, "again");
    }

    @Test
    void listsPageByPageWithAPrefix() {
        String prefix = unique("paged");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            String name = prefix + "/s" + String.format("%02d", i);
            names.add(name);
            create(name, "v" + i);
        }
        create(prefix + "-other", "not under the prefix/");
        List<String> seen = new ArrayList<>();
        String token = "";
        int pages = 0;
        do {
            ListSecretsResponse page = region.secrets(follower).listSecrets(ListSecretsRequest.newBuilder()
                    .setNamePrefix(prefix + "/").setPageSize(10).setPageToken(token).build());
            assertThat(page.getSecretsCount()).isLessThanOrEqualTo(10);
            page.getSecretsList().forEach(s -> seen.add(s.getName()));
            token = page.getNextPageToken();
            pages++;
        } while (!token.isEmpty());
        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactlyElementsOf(names);
        assertRefused(() -> region.secrets(follower).listSecrets(ListSecretsRequest.newBuilder()
                .setPageSize(Limits.MAX_PAGE_SIZE + 1).build()), Status.Code.INVALID_ARGUMENT, "INVALID_PAGE_SIZE");
        assertThat(region.secrets(follower).listSecrets(ListSecretsRequest.newBuilder()
                .setPageSize(Limits.MAX_PAGE_SIZE).build()).getSecretsCount()).isPositive();
    }

    List<String> listNames(String prefix, boolean includeDeleted) {
        return region.secrets(follower).listSecrets(ListSecretsRequest.newBuilder().setNamePrefix(prefix)
                .setIncludePlannedDeletion(includeDeleted).build()).getSecretsList().stream()
                .map(SecretMetadata::getName).toList();
    }

    @Test
    void localReadsAreServedByTheNodeReached() {
        String name = unique("local/read");
        create(name, "near");
        await().atMost(TestRegion.SETTLE).ignoreExceptions().untilAsserted(() -> assertThat(region.secrets(follower).getSecretValue(
                GetSecretValueRequest.newBuilder().setSecretId(name)
                        .setConsistency(ReadConsistency.READ_CONSISTENCY_LOCAL).build()).getSecretString())
                .isEqualTo("near"));
    }

    @Test
    void descriptionsAndTags() {
        String name = unique("tagged");
        viaFollower().createSecret(CreateSecretRequest.newBuilder().setName(name).setDescription("first")
                .addTags(Tag.newBuilder().setKey("team").setValue("payments")).setSecretString("x").build());
        viaFollower().updateSecret(UpdateSecretRequest.newBuilder().setSecretId(name).setDescription("second").build());
        viaFollower().tagResource(TagResourceRequest.newBuilder().setSecretId(name)
                .addTags(Tag.newBuilder().setKey("env").setValue("prod")).build());
        viaFollower().untagResource(UntagResourceRequest.newBuilder().setSecretId(name).addTagKeys("team").build());
        SecretMetadata meta = region.secrets(leader).describeSecret(
                DescribeSecretRequest.newBuilder().setSecretId(name).build()).getSecret();
        assertThat(meta.getDescription()).isEqualTo("second");
        assertThat(meta.getTagsList()).containsExactly(Tag.newBuilder().setKey("env").setValue("prod").build());
        assertThat(meta.getPrimaryRegion()).isEqualTo("tokyo");

        String versionId = viaFollower().updateSecret(UpdateSecretRequest.newBuilder().setSecretId(name)
                .setSecretString("y").setDescription("third").build()).getVersionId();
        assertThat(versionId).isNotEmpty();
        assertThat(current(name)).isEqualTo("y");
        assertRefused(() -> viaFollower().updateSecret(UpdateSecretRequest.newBuilder().setSecretId(name).build()),
                Status.Code.INVALID_ARGUMENT, "NOTHING_TO_UPDATE");
    }
}
