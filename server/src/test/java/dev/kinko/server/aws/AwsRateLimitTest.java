package dev.kinko.server.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kinko.proto.v1.CreateTokenResponse;
import dev.kinko.server.testing.TestRegion;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;

/** Calls through the AWS endpoint count against the caller's rate limit, as gRPC calls do. */
class AwsRateLimitTest {
    @TempDir
    Path dir;

    @Test
    void anAccessKeyOverItsRateIsThrottledAndAudited() throws Exception {
        try (TestRegion tokyo = TestRegion.builder("tokyo", dir).awsEndpoint().rateLimit(1, 3).start()) {
            CreateTokenResponse key = AwsSdkTest.accessKey(tokyo, "{\"Version\": \"2012-10-17\", \"Statement\":"
                    + " [{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}]}");
            try (SecretsManagerClient aws = AwsSdkTest.builder(tokyo, "tokyo", key)
                    .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())).build()) {
                int throttled = 0;
                for (int i = 0; i < 8; i++) {
                    try {
                        aws.listSecrets(b -> { });
                    } catch (SecretsManagerException e) {
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ThrottlingException");
                        assertThat(e.statusCode()).isEqualTo(400);
                        throttled++;
                    }
                }
                assertThat(throttled).as("a burst of 3 at 1/s: most of 8 quick calls are refused").isGreaterThan(0);
            }
            assertThat(AwsSdkTest.auditLines(tokyo)).anyMatch(l -> l.contains("secretsmanager:ListSecrets")
                    && l.contains("RATE_LIMITED") && l.contains(key.getAccessKeyId()));
        }
    }
}
