package dev.kinko.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kinko.proto.v1.AdminServiceGrpc;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.DeleteSecretRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.ListSecretsRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.SecretMetadata;
import dev.kinko.proto.v1.SecretsServiceGrpc;
import dev.kinko.proto.v1.Tag;
import dev.kinko.proto.v1.TagResourceRequest;
import dev.kinko.proto.v1.UpdateSecretVersionStageRequest;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.testing.Grpcs;
import dev.kinko.server.testing.TestRegion;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A few thousand random and malformed requests: every one is refused, no node
 * goes down, and the region's state (and Raft log) stays exactly as it was.
 */
class MalformedRequestsTest {
    static final int RAW_REQUESTS = 1_500;
    static final int MALFORMED_REQUESTS = 1_500;
    /** Methods that only read; every other method may write and gets only bytes that cannot parse. */
    static final Set<String> READ_METHODS = Set.of("GetSecretValue", "BatchGetSecretValue", "DescribeSecret",
            "ListSecrets", "ListSecretVersionIds", "GetRandomPassword", "GetClusterStatus", "GetNodeStatus",
            "GetRegionStatus", "ListUnshippedChanges");

    @TempDir
    Path dir;

    @Test
    void randomAndMalformedRequestsChangeNothing() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        try (TestRegion region = TestRegion.start("tokyo", dir)) {
            for (int i = 0; i < 5; i++) {
                String name = "fuzz/baseline" + i;
                region.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(name)
                        .setSecretString("value" + name).build()));
            }
            int leader = region.awaitLeader();
            long startedNanos = System.nanoTime();
            long commitBefore = region.node(leader).raft().view().commitIndex();
            List<SecretMetadata> before = everything(region);

            List<MethodDescriptor<?, ?>> methods = new ArrayList<>();
            methods.addAll(methodsOf(SecretsServiceGrpc.getServiceDescriptor().getMethods()));
            methods.addAll(methodsOf(AdminServiceGrpc.getServiceDescriptor().getMethods()));
            int refused = 0;
            for (int i = 0; i < RAW_REQUESTS; i++) {
                MethodDescriptor<?, ?> method = methods.get(random.nextInt(methods.size()));
                byte[] payload = randomBytes(random, 1 + random.nextInt(300));
                // writes get only bytes that do not parse: random bytes can spell a valid request
                while (!READ_METHODS.contains(method.getBareMethodName()) && parses(method, payload)) {
                    payload = randomBytes(random, 1 + random.nextInt(300));
                }
                try {
                    ClientCalls.blockingUnaryCall(region.channel(i % 3), raw(method),
                            CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), payload);
                    assertThat(READ_METHODS).as("%s accepted random bytes", method.getFullMethodName())
                            .contains(method.getBareMethodName());
                } catch (StatusRuntimeException e) {
                    // refused (a parse failure may surface as INTERNAL or UNKNOWN), never a node gone
                    assertThat(e.getStatus().getCode()).as("%s: %s", method.getBareMethodName(), e.getMessage())
                            .isNotIn(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED);
                    refused++;
                }
            }
            for (int i = 0; i < MALFORMED_REQUESTS; i++) {
                SecretsServiceGrpc.SecretsServiceBlockingStub stub = region.secrets(i % 3);
                Runnable call = malformed(random, stub);
                try {
                    call.run();
                    throw new AssertionError("a malformed request was accepted (seed " + seed + ", request " + i + ")");
                } catch (StatusRuntimeException e) {
                    assertThat(e.getStatus().getCode()).as("seed %d request %d: %s", seed, i, e.getMessage())
                            .isIn(Status.Code.INVALID_ARGUMENT, Status.Code.NOT_FOUND);
                    refused++;
                }
            }
            assertThat(refused).isGreaterThan(MALFORMED_REQUESTS);

            for (int i = 0; i < 3; i++) {
                assertThat(HealthGrpc.newBlockingStub(region.channel(i)).withDeadlineAfter(5, TimeUnit.SECONDS)
                        .check(HealthCheckRequest.getDefaultInstance()).getStatus())
                        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
                // the only entries meanwhile are the nodes' audit chain heads (one per node per interval)
                long anchorRounds = (System.nanoTime() - startedNanos)
                        / dev.kinko.server.KinkoNode.AUDIT_ANCHOR_INTERVAL.toNanos() + 1;
                assertThat(region.node(i).raft().view().commitIndex() - commitBefore)
                        .as("nothing but audit chain heads was appended (seed %d)", seed)
                        .isLessThanOrEqualTo(anchorRounds * 3);
            }
            assertThat(everything(region)).isEqualTo(before);
        }
    }

    /** A request with at least one field that breaks a rule; the rest is random. */
    private static Runnable malformed(Random r, SecretsServiceGrpc.SecretsServiceBlockingStub stub) {
        String badName = badName(r);
        return switch (r.nextInt(8)) {
            case 0 -> () -> stub.createSecret(CreateSecretRequest.newBuilder().setName(badName)
                    .setSecretString(randomString(r, 20)).build());
            case 1 -> () -> stub.createSecret(CreateSecretRequest.newBuilder().setName("fuzz/ok" + r.nextInt())
                    .setClientRequestToken(randomString(r, 1 + r.nextInt(Limits.MIN_TOKEN_LENGTH - 1))).setSecretString("v").build());
            case 2 -> () -> stub.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("fuzz/baseline0")
                    .setSecretBinary(ByteString.copyFrom(new byte[Limits.MAX_VALUE_BYTES + 1 + r.nextInt(1000)])).build());
            case 3 -> () -> stub.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("fuzz/baseline1")
                    .setSecretString("v").addVersionStages(badName.isEmpty() ? "" : " " + badName).build());
            case 4 -> () -> stub.getSecretValue(GetSecretValueRequest.newBuilder().setSecretId(badName).build());
            case 5 -> () -> stub.deleteSecret(DeleteSecretRequest.newBuilder().setSecretId("fuzz/baseline2")
                    .setRecoveryWindowInDays(r.nextBoolean() ? -r.nextInt(1000) - 1 : 31 + r.nextInt(1000)).build());
            case 6 -> () -> stub.listSecrets(ListSecretsRequest.newBuilder()
                    .setPageSize(r.nextBoolean() ? -1 - r.nextInt(1000) : Limits.MAX_PAGE_SIZE + 1 + r.nextInt(1000))
                    .setPageToken(randomString(r, 10)).build());
            default -> r.nextBoolean()
                    ? () -> stub.tagResource(TagResourceRequest.newBuilder().setSecretId("fuzz/baseline3")
                            .addTags(Tag.newBuilder().setKey("").setValue(randomString(r, 5))).build())
                    : () -> stub.updateSecretVersionStage(UpdateSecretVersionStageRequest.newBuilder()
                            .setSecretId("fuzz/baseline4").setVersionStage("CURRENT").build());
        };
    }

    /** A name that breaks the name rule: empty, too long, or holding a forbidden character. */
    private static String badName(Random r) {
        return switch (r.nextInt(3)) {
            case 0 -> "";
            case 1 -> "n".repeat(Limits.MAX_NAME_LENGTH + 1 + r.nextInt(100));
            default -> randomString(r, r.nextInt(20)) + "\u0000 #%\u00e9\n".charAt(r.nextInt(6)) + randomString(r, 5);
        };
    }

    private static String randomString(Random r, int length) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) {
            sb.append((char) (r.nextBoolean() ? 'a' + r.nextInt(26) : r.nextInt(0xd7ff)));
        }
        return sb.toString();
    }

    private static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static boolean parses(MethodDescriptor<?, ?> method, byte[] payload) {
        try {
            method.parseRequest(new ByteArrayInputStream(payload));
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static List<SecretMetadata> everything(TestRegion region) {
        List<SecretMetadata> all = new ArrayList<>();
        region.secrets(0).listSecrets(ListSecretsRequest.newBuilder().setIncludePlannedDeletion(true).build())
                .getSecretsList().forEach(all::add);
        for (SecretMetadata m : all) {
            assertThat(region.secrets(0).getSecretValue(GetSecretValueRequest.newBuilder().setSecretId(m.getName())
                    .build()).getSecretString()).isEqualTo("value" + m.getName());
        }
        return all;
    }

    private static List<MethodDescriptor<?, ?>> methodsOf(java.util.Collection<MethodDescriptor<?, ?>> methods) {
        return new ArrayList<>(methods);
    }


    private static MethodDescriptor<byte[], byte[]> raw(MethodDescriptor<?, ?> method) {
        return method.toBuilder(Grpcs.BYTES, Grpcs.BYTES).build();
    }
}
