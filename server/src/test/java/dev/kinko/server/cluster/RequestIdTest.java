package dev.kinko.server.cluster;

import static dev.kinko.server.testing.Grpcs.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.DeleteSecretRequest;
import dev.kinko.proto.v1.DeleteSecretResponse;
import dev.kinko.proto.v1.DescribeSecretRequest;
import dev.kinko.proto.v1.RestoreSecretRequest;
import dev.kinko.proto.v1.SecretsServiceGrpc;
import dev.kinko.server.api.RequestIds;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.testing.MutableClock;
import dev.kinko.server.testing.TestRegion;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The header kinko-request-id through gRPC: a retried write answers with its first result,
 * on the leader or through a follower; a malformed id is refused; ids are forgotten after
 * {@link Limits#REQUEST_RETENTION} by the leader's clock.
 */
class RequestIdTest {
    @TempDir
    static Path dir;
    static final MutableClock clock = new MutableClock();
    static TestRegion region;

    @BeforeAll
    static void start() {
        region = TestRegion.builder("tokyo", dir).clock(clock).purgeEverySecond().start();
    }

    @AfterAll
    static void stop() {
        region.close();
    }

    static SecretsServiceGrpc.SecretsServiceBlockingStub withId(int node, String requestId) {
        Metadata headers = new Metadata();
        headers.put(RequestIds.HEADER, requestId);
        return region.secrets(node).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    static void create(String name) {
        region.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(name).setSecretString("v").build()));
    }

    @Test
    void aRetriedDeleteAnswersWithItsFirstResultOnTheLeaderOrThroughAFollower() {
        create("req/delete");
        int leader = region.awaitLeader();
        DeleteSecretRequest delete = DeleteSecretRequest.newBuilder().setSecretId("req/delete").setRecoveryWindowInDays(7).build();
        DeleteSecretResponse first = withId(leader, "retry-1").deleteSecret(delete);
        DeleteSecretResponse retried = withId((leader + 1) % 3, "retry-1").deleteSecret(delete); // forwarded
        assertThat(retried).isEqualTo(first);
        // a new request (another id, or none) is refused: the secret is already scheduled
        assertRefused(() -> withId(leader, "retry-2").deleteSecret(delete), Status.Code.FAILED_PRECONDITION,
                "SCHEDULED_FOR_DELETION");
        assertRefused(() -> region.secrets(leader).deleteSecret(delete), Status.Code.FAILED_PRECONDITION,
                "SCHEDULED_FOR_DELETION");
    }

    @Test
    void requestIdsAtTheLengthLimitAndOnePastIt() {
        create("req/limit");
        int leader = region.awaitLeader();
        DeleteSecretRequest delete = DeleteSecretRequest.newBuilder().setSecretId("req/limit").setRecoveryWindowInDays(7).build();
        assertRefused(() -> withId(leader, "a".repeat(Limits.MAX_REQUEST_ID_LENGTH + 1)).deleteSecret(delete),
                Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST_ID");
        assertRefused(() -> withId(leader, "no spaces").deleteSecret(delete), Status.Code.INVALID_ARGUMENT,
                "INVALID_REQUEST_ID");
        // refused before anything changed: the secret is not scheduled for deletion
        assertThat(region.secrets(leader).describeSecret(DescribeSecretRequest.newBuilder().setSecretId("req/limit")
                .build()).getSecret().hasDeletedDate()).isFalse();
        assertThat(withId(leader, "b".repeat(Limits.MAX_REQUEST_ID_LENGTH)).deleteSecret(delete).hasDeletionDate()).isTrue();
    }

    @Test
    void aRequestIdIsForgottenAfterTheRetentionByTheLeadersClock() {
        create("req/forget");
        int leader = region.awaitLeader();
        DeleteSecretRequest delete = DeleteSecretRequest.newBuilder().setSecretId("req/forget").setRecoveryWindowInDays(7).build();
        withId(leader, "reused").deleteSecret(delete);
        region.withRetry(s -> s.restoreSecret(RestoreSecretRequest.newBuilder().setSecretId("req/forget").build()));
        // within the retention the id still names the first request: nothing is deleted again
        withId(leader, "reused").deleteSecret(delete);
        assertThat(deleted("req/forget")).isFalse();
        clock.advance(Limits.REQUEST_RETENTION.plus(Duration.ofSeconds(1)));
        // the purge timer forgets it; the same id is then a new request
        await().atMost(TestRegion.SETTLE).ignoreExceptions().until(() -> {
            withId(region.awaitLeader(), "reused").deleteSecret(delete);
            return deleted("req/forget");
        });
    }

    private static boolean deleted(String name) {
        return region.withRetry(s -> s.describeSecret(DescribeSecretRequest.newBuilder().setSecretId(name).build()))
                .getSecret().hasDeletedDate();
    }
}
