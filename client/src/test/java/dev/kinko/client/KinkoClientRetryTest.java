package dev.kinko.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.CancelRotateSecretRequest;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.DeleteSecretRequest;
import dev.kinko.proto.v1.DeleteSecretResponse;
import dev.kinko.proto.v1.DescribeSecretRequest;
import dev.kinko.proto.v1.RotateSecretRequest;
import dev.kinko.proto.v1.RotationInfo;
import dev.kinko.proto.v1.RotationRules;
import dev.kinko.proto.v1.SecretMetadata;
import dev.kinko.proto.v1.SecretVersionInfo;
import dev.kinko.server.testing.TestRegion;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write whose reply is lost after the region applied it (as in a leader change) is retried
 * by the client; its request id makes the retry answer as the first attempt did.
 */
class KinkoClientRetryTest {
    @TempDir
    static Path dir;
    static TestRegion region;

    @BeforeAll
    static void start() {
        region = TestRegion.start("kyoto", dir);
    }

    @AfterAll
    static void stop() {
        region.close();
    }

    /** Lets the first call of a method reach the server, then turns its reply into UNAVAILABLE. */
    static final class LoseFirstReply implements ClientInterceptor {
        private final String method;
        private final AtomicBoolean lost = new AtomicBoolean();

        LoseFirstReply(String method) {
            this.method = method;
        }

        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> m, CallOptions options, Channel next) {
            ClientCall<Q, R> call = next.newCall(m, options);
            if (!m.getBareMethodName().equals(method) || !lost.compareAndSet(false, true)) {
                return call;
            }
            return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onMessage(R message) {
                            // the server applied it; the reply never arrives
                        }

                        @Override
                        public void onClose(Status status, Metadata trailers) {
                            super.onClose(Status.UNAVAILABLE.withDescription("reply lost (test)"), new Metadata());
                        }
                    }, headers);
                }
            };
        }
    }

    /** Records the client request token of every RotateSecret attempt. */
    static final class RotateTokens implements ClientInterceptor {
        final List<String> tokens = new CopyOnWriteArrayList<>();

        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> m, CallOptions options, Channel next) {
            ClientCall<Q, R> call = next.newCall(m, options);
            if (!m.getBareMethodName().equals("RotateSecret")) {
                return call;
            }
            return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
                @Override
                public void sendMessage(Q message) {
                    tokens.add(((RotateSecretRequest) message).getClientRequestToken());
                    super.sendMessage(message);
                }
            };
        }
    }

    private static KinkoClient client(ClientInterceptor interceptor) {
        return KinkoClient.builder().addresses(region.addresses()).tls(region.caFile()).token(region.rootToken())
                .interceptor(interceptor).build();
    }

    @Test
    void aDeleteWhoseReplyWasLostIsRetriedAndAnswersAsTheFirstAttempt() {
        LoseFirstReply loseDelete = new LoseFirstReply("DeleteSecret");
        try (KinkoClient kinko = client(loseDelete)) {
            kinko.createSecret(CreateSecretRequest.newBuilder().setName("retry/db").setSecretString("v").build());
            DeleteSecretResponse deleted = kinko.deleteSecret(DeleteSecretRequest.newBuilder().setSecretId("retry/db")
                    .setRecoveryWindowInDays(7).build());
            assertThat(loseDelete.lost).isTrue();
            assertThat(deleted.getName()).isEqualTo("retry/db");
            assertThat(deleted.hasDeletionDate()).isTrue();
        }
    }

    @Test
    void aCreateWithoutAValueWhoseReplyWasLostAnswersWithTheSecretItMade() {
        LoseFirstReply loseCreate = new LoseFirstReply("CreateSecret");
        try (KinkoClient kinko = client(loseCreate)) {
            String id = kinko.createSecret(CreateSecretRequest.newBuilder().setName("retry/empty").build()).getId();
            assertThat(loseCreate.lost).isTrue();
            assertThat(id).isNotEmpty();
            // a new create of the same name is a new request: refused
            assertThatThrownBy(() -> kinko.createSecret(CreateSecretRequest.newBuilder().setName("retry/empty").build()))
                    .isInstanceOf(SecretExistsException.class);
        }
    }

    @Test
    void aRotationWhoseReplyWasLostIsRetriedWithTheSameTokenAndRotatesOnce() {
        LoseFirstReply loseRotate = new LoseFirstReply("RotateSecret");
        RotateTokens sent = new RotateTokens();
        try (KinkoClient kinko = KinkoClient.builder().addresses(region.addresses()).tls(region.caFile())
                .token(region.rootToken()).interceptor(loseRotate).interceptor(sent).build()) {
            String v0 = kinko.createSecret(CreateSecretRequest.newBuilder().setName("retry/rotate")
                    .setSecretString("v0").build()).getVersionId();
            String version = kinko.rotateSecret(RotateSecretRequest.newBuilder().setSecretId("retry/rotate")
                    .setRotator("password").build()).getVersionId();
            assertThat(loseRotate.lost).isTrue();
            assertThat(sent.tokens).as("both attempts carry the generated token, the new version's id")
                    .hasSize(2).containsOnly(version);

            await().atMost(TestRegion.SETTLE).until(() -> {
                RotationInfo r = describe(kinko, "retry/rotate").getRotation();
                return r.getRotatingVersionId().isEmpty() && r.hasLastRotatedDate();
            });
            SecretMetadata after = describe(kinko, "retry/rotate");
            assertThat(after.getVersionsList()).extracting(SecretVersionInfo::getVersionId)
                    .as("one rotation: one new version").containsExactlyInAnyOrder(v0, version);
            assertThat(after.getVersionsList()).filteredOn(v -> v.getVersionId().equals(version))
                    .singleElement().satisfies(v -> assertThat(v.getVersionStagesList()).contains("CURRENT"));
        }
    }

    @Test
    void aScheduledRotationIsCancelledThroughTheClient() {
        LoseFirstReply loseCancel = new LoseFirstReply("CancelRotateSecret");
        try (KinkoClient kinko = client(loseCancel)) {
            kinko.createSecret(CreateSecretRequest.newBuilder().setName("retry/cancel").setSecretString("v0").build());
            String started = kinko.rotateSecret(RotateSecretRequest.newBuilder().setSecretId("retry/cancel")
                    .setRotator("password").setRotateImmediately(false)
                    .setRotationRules(RotationRules.newBuilder().setAutomaticallyAfterDays(30)).build()).getVersionId();
            assertThat(started).as("scheduled, not started").isEmpty();
            RotationInfo scheduled = describe(kinko, "retry/cancel").getRotation();
            assertThat(scheduled.getRotationEnabled()).isTrue();
            assertThat(scheduled.hasNextRotationDate()).isTrue();

            assertThat(kinko.cancelRotateSecret(CancelRotateSecretRequest.newBuilder().setSecretId("retry/cancel")
                    .build()).getName()).isEqualTo("retry/cancel");
            assertThat(loseCancel.lost).as("retried after the lost reply").isTrue();
            assertThat(describe(kinko, "retry/cancel").getRotation().getRotationEnabled()).isFalse();
        }
    }

    private static SecretMetadata describe(KinkoClient kinko, String name) {
        return kinko.describeSecret(DescribeSecretRequest.newBuilder().setSecretId(name).build()).getSecret();
    }
}
