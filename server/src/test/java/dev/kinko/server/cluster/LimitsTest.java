package dev.kinko.server.cluster;

import static dev.kinko.server.testing.Grpcs.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kinko.proto.v1.BatchGetSecretValueRequest;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.GetRandomPasswordRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.SecretsServiceGrpc.SecretsServiceBlockingStub;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.testing.TestRegion;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each limit through the real API: accepted at the edge, refused one past it with its reason. */
class LimitsTest {
    @TempDir
    static Path dir;
    static TestRegion region;

    @BeforeAll
    static void start() {
        region = TestRegion.start("tokyo", dir);
    }

    @AfterAll
    static void stop() {
        region.close();
    }

    SecretsServiceBlockingStub api() {
        return region.secrets((region.awaitLeader() + 1) % 3);
    }

    static String name() {
        return "limits/" + UUID.randomUUID();
    }

    @Test
    void valueSize() {
        String atEdge = "x".repeat(Limits.MAX_VALUE_BYTES);
        String name = name();
        api().createSecret(CreateSecretRequest.newBuilder().setName(name).setSecretString(atEdge).build());
        assertThat(api().getSecretValue(GetSecretValueRequest.newBuilder().setSecretId(name).build())
                .getSecretString()).isEqualTo(atEdge);
        assertRefused(() -> api().putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name)
                .setSecretString(atEdge + "x").build()), Status.Code.INVALID_ARGUMENT, "VALUE_TOO_LARGE");
        api().putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name)
                .setSecretBinary(ByteString.copyFrom(new byte[Limits.MAX_VALUE_BYTES])).build());
        assertRefused(() -> api().putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name)
                .setSecretBinary(ByteString.copyFrom(new byte[Limits.MAX_VALUE_BYTES + 1])).build()),
                Status.Code.INVALID_ARGUMENT, "VALUE_TOO_LARGE");
        // multi-byte characters count as their UTF-8 bytes
        assertRefused(() -> api().putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name)
                .setSecretString("金".repeat(Limits.MAX_VALUE_BYTES / 3 + 1)).build()),
                Status.Code.INVALID_ARGUMENT, "VALUE_TOO_LARGE");
        assertRefused(() -> api().putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name)
                .setSecretString("").build()), Status.Code.INVALID_ARGUMENT, "EMPTY_VALUE");
    }

    @Test
    void nameLength() {
        String prefix = "n" + UUID.randomUUID().toString().replace("-", "");
        String atEdge = prefix + "a".repeat(Limits.MAX_NAME_LENGTH - prefix.length());
        api().createSecret(CreateSecretRequest.newBuilder().setName(atEdge).setSecretString("v").build());
        assertRefused(() -> api().createSecret(CreateSecretRequest.newBuilder().setName(atEdge + "a")
                .setSecretString("v").build()), Status.Code.INVALID_ARGUMENT, "INVALID_NAME");
        assertRefused(() -> api().createSecret(CreateSecretRequest.newBuilder().setName("has space")
                .setSecretString("v").build()), Status.Code.INVALID_ARGUMENT, "INVALID_NAME");
        assertRefused(() -> api().createSecret(CreateSecretRequest.newBuilder().setName("")
                .setSecretString("v").build()), Status.Code.INVALID_ARGUMENT, "INVALID_NAME");
    }

    @Test
    void labelsPerVersionAndLabelLength() {
        String name = name();
        api().createSecret(CreateSecretRequest.newBuilder().setName(name).setSecretString("v").build());
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < Limits.MAX_LABELS_PER_VERSION; i++) {
            labels.add("L" + i);
        }
        assertThat(api().putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name).setSecretString("w")
                .addAllVersionStages(labels).build()).getVersionStagesCount()).isEqualTo(Limits.MAX_LABELS_PER_VERSION);
        labels.add("one-too-many");
        assertRefused(() -> api().putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name)
                .setSecretString("x").addAllVersionStages(labels).build()), Status.Code.INVALID_ARGUMENT, "TOO_MANY_LABELS");
        api().putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name).setSecretString("y")
                .addVersionStages("l".repeat(Limits.MAX_LABEL_LENGTH)).build());
        assertRefused(() -> api().putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name)
                .setSecretString("z").addVersionStages("l".repeat(Limits.MAX_LABEL_LENGTH + 1)).build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_LABEL");
    }

    @Test
    void requestTokenLength() {
        String name = name();
        api().createSecret(CreateSecretRequest.newBuilder().setName(name)
                .setClientRequestToken("t".repeat(Limits.MIN_TOKEN_LENGTH)).setSecretString("v").build());
        api().putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name)
                .setClientRequestToken("u".repeat(Limits.MAX_TOKEN_LENGTH)).setSecretString("w").build());
        assertRefused(() -> api().putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name)
                .setClientRequestToken("t".repeat(Limits.MIN_TOKEN_LENGTH - 1)).setSecretString("x").build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_TOKEN");
        assertRefused(() -> api().putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name)
                .setClientRequestToken("t".repeat(Limits.MAX_TOKEN_LENGTH + 1)).setSecretString("x").build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_TOKEN");
    }

    @Test
    void batchGetSize() {
        String name = name();
        api().createSecret(CreateSecretRequest.newBuilder().setName(name).setSecretString("v").build());
        BatchGetSecretValueRequest.Builder atEdge = BatchGetSecretValueRequest.newBuilder();
        for (int i = 0; i < Limits.MAX_BATCH_GET_IDS; i++) {
            atEdge.addSecretIds(i == 0 ? name : "missing-" + i);
        }
        var got = api().batchGetSecretValue(atEdge.build());
        assertThat(got.getSecretValuesCount()).isEqualTo(1);
        assertThat(got.getErrorsCount()).isEqualTo(Limits.MAX_BATCH_GET_IDS - 1);
        assertThat(got.getErrors(0).getReason()).isEqualTo("SECRET_NOT_FOUND");
        assertRefused(() -> api().batchGetSecretValue(atEdge.addSecretIds("one-more").build()),
                Status.Code.INVALID_ARGUMENT, "TOO_MANY_SECRET_IDS");
    }

    @Test
    void passwordLength() {
        assertThat(api().getRandomPassword(GetRandomPasswordRequest.newBuilder()
                .setPasswordLength(Limits.MAX_PASSWORD_LENGTH).build()).getRandomPassword())
                .hasSize(Limits.MAX_PASSWORD_LENGTH);
        assertThat(api().getRandomPassword(GetRandomPasswordRequest.getDefaultInstance()).getRandomPassword())
                .hasSize(Limits.DEFAULT_PASSWORD_LENGTH);
        assertRefused(() -> api().getRandomPassword(GetRandomPasswordRequest.newBuilder()
                .setPasswordLength(Limits.MAX_PASSWORD_LENGTH + 1).build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_PASSWORD_OPTIONS");
    }

    @Test
    void rotationErrorLength() {
        String name = name();
        api().createSecret(CreateSecretRequest.newBuilder().setName(name).setSecretString("v").build());
        dev.kinko.proto.v1.RotatorServiceGrpc.RotatorServiceBlockingStub rotators = dev.kinko.proto.v1.RotatorServiceGrpc
                .newBlockingStub(region.channel((region.awaitLeader() + 1) % 3)).withDeadlineAfter(20, TimeUnit.SECONDS);
        dev.kinko.proto.v1.ReportRotationStepRequest.Builder report = dev.kinko.proto.v1.ReportRotationStepRequest
                .newBuilder().setSecretId(name).setToken(UUID.randomUUID().toString())
                .setStep(dev.kinko.proto.v1.RotationStep.ROTATION_STEP_SET_SECRET);
        // the secret is not being rotated: a report of the longest error is taken and changes nothing
        assertThat(rotators.reportRotationStep(report.setErrorMessage("e".repeat(Limits.MAX_ROTATION_ERROR_CHARS))
                .build()).getAccepted()).isFalse();
        assertRefused(() -> rotators.reportRotationStep(report.setErrorMessage(
                "e".repeat(Limits.MAX_ROTATION_ERROR_CHARS + 1)).build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_ROTATION_REPORT");
    }
}
