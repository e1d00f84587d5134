package dev.kinko.server.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.CreateTokenRequest;
import dev.kinko.proto.v1.CreateTokenResponse;
import dev.kinko.proto.v1.PutPolicyRequest;
import dev.kinko.server.testing.TestRegion;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.*;

/**
 * The AWS SDK for Java v2, unchanged but for endpointOverride and an access key, against two
 * real regions: every operation, a typed exception per error type, paging, BatchGetSecretValue
 * with a missing secret, and replication.
 */
class AwsSdkTest {
    @TempDir
    static Path dir;
    static TestRegion osaka;
    static TestRegion tokyo;
    static SecretsManagerClient aws;
    static SecretsManagerClient awsOsaka;

    @BeforeAll
    static void start() throws Exception {
        osaka = TestRegion.builder("osaka", dir).awsEndpoint().start();
        tokyo = TestRegion.builder("tokyo", dir).awsEndpoint().link(osaka).start();
        aws = client(tokyo, "tokyo", accessKey(tokyo, "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\":"
                + " \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}]}"));
        awsOsaka = client(osaka, "osaka", accessKey(osaka, "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\":"
                + " \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}]}"));
    }

    @AfterAll
    static void stop() {
        aws.close();
        awsOsaka.close();
        tokyo.close();
        osaka.close();
    }

    static CreateTokenResponse accessKey(TestRegion region, String policy) {
        String name = "aws-" + region.name() + "-" + Integer.toHexString(policy.hashCode() & 0xffff);
        region.access(0).putPolicy(PutPolicyRequest.newBuilder().setName(name).setDocument(policy).build());
        return region.access(0).createToken(CreateTokenRequest.newBuilder().addPolicies(name).setName(name)
                .setAccessKey(true).build());
    }

    static SecretsManagerClient client(TestRegion region, String name, CreateTokenResponse key) throws Exception {
        return builder(region, name, key).build();
    }

    /** The SDK's client builder as an application would set it up: the endpoint, the region, an access key. */
    static software.amazon.awssdk.services.secretsmanager.SecretsManagerClientBuilder builder(TestRegion region,
                                                                                              String name,
                                                                                              CreateTokenResponse key) {
        return SecretsManagerClient.builder()
                .endpointOverride(URI.create("https://127.0.0.1:" + region.node(region.awaitLeader() == 0 ? 1 : 0).awsPort()))
                .region(Region.of(name))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(key.getAccessKeyId(),
                        key.getSecretAccessKey())))
                .httpClientBuilder(Apache5HttpClient.builder().tlsTrustManagersProvider(() -> trust(region.caFile())));
    }

    static TrustManager[] trust(Path ca) {
        try (InputStream in = Files.newInputStream(ca)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int i = 0;
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("ca" + i++, (X509Certificate) c);
            }
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(ks);
            return f.getTrustManagers();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void everySecretOperationThroughTheSdk() {
        CreateSecretResponse created = aws.createSecret(b -> b.name("sdk/app").secretString("v1").description("d")
                .tags(Tag.builder().key("team").value("db").build()));
        assertThat(created.arn()).matches("arn:aws:secretsmanager:tokyo:123456789012:secret:sdk/app-[A-Za-z0-9]{6}");
        assertThat(aws.getSecretValue(b -> b.secretId("sdk/app")).secretString()).isEqualTo("v1");
        assertThat(aws.getSecretValue(b -> b.secretId(created.arn())).secretString()).as("by full ARN").isEqualTo("v1");
        assertThat(aws.getSecretValue(b -> b.secretId("arn:aws:secretsmanager:tokyo:123456789012:secret:sdk/app"))
                .secretString()).as("by partial ARN").isEqualTo("v1");

        PutSecretValueResponse put = aws.putSecretValue(b -> b.secretId("sdk/app")
                .secretBinary(SdkBytes.fromByteArray(new byte[] {0, 1, 2, (byte) 255})));
        assertThat(put.versionStages()).containsExactly("AWSCURRENT");
        assertThat(aws.getSecretValue(b -> b.secretId("sdk/app")).secretBinary().asByteArray())
                .containsExactly(0, 1, 2, 255);
        String token = "token-00000000000000000000000000000001";
        aws.putSecretValue(b -> b.secretId("sdk/app").clientRequestToken(token).secretString("v3"));
        aws.putSecretValue(b -> b.secretId("sdk/app").clientRequestToken(token).secretString("v3")); // a no-op retry
        assertThatThrownBy(() -> aws.putSecretValue(b -> b.secretId("sdk/app").clientRequestToken(token)
                .secretString("other"))).isInstanceOf(ResourceExistsException.class);

        assertThat(aws.listSecretVersionIds(b -> b.secretId("sdk/app")).versions()).as("labelled only").hasSize(2);
        ListSecretVersionIdsResponse versions = aws.listSecretVersionIds(b -> b.secretId("sdk/app").includeDeprecated(true));
        assertThat(versions.versions()).hasSize(3);
        String first = created.versionId();
        aws.updateSecretVersionStage(b -> b.secretId("sdk/app").versionStage("CUSTOM").moveToVersionId(first));
        DescribeSecretResponse described = aws.describeSecret(b -> b.secretId("sdk/app"));
        assertThat(described.arn()).isEqualTo(created.arn());
        assertThat(described.description()).isEqualTo("d");
        assertThat(described.versionIdsToStages().get(first)).contains("CUSTOM");
        assertThat(described.tags()).extracting(Tag::key).containsExactly("team");
        assertThat(described.createdDate()).isNotNull();

        aws.tagResource(b -> b.secretId("sdk/app").tags(Tag.builder().key("env").value("prod").build()));
        aws.untagResource(b -> b.secretId("sdk/app").tagKeys("team"));
        assertThat(aws.describeSecret(b -> b.secretId("sdk/app")).tags()).extracting(Tag::key).containsExactly("env");
        aws.updateSecret(b -> b.secretId("sdk/app").description("new"));
        assertThat(aws.describeSecret(b -> b.secretId("sdk/app")).description()).isEqualTo("new");

        assertThat(aws.getRandomPassword(b -> b.passwordLength(20L).excludePunctuation(true)).randomPassword())
                .hasSize(20).matches("[A-Za-z0-9]+");

        RotateSecretResponse rotated = aws.rotateSecret(b -> b.secretId("sdk/app")
                .rotationRules(r -> r.automaticallyAfterDays(30L)));
        await().atMost(TestRegion.SETTLE).until(() -> aws.describeSecret(b -> b.secretId("sdk/app"))
                .versionIdsToStages().getOrDefault(rotated.versionId(), List.of()).contains("AWSCURRENT"));
        assertThat(aws.describeSecret(b -> b.secretId("sdk/app")).rotationEnabled()).isTrue();
        aws.cancelRotateSecret(b -> b.secretId("sdk/app"));
        assertThat(aws.describeSecret(b -> b.secretId("sdk/app")).rotationEnabled()).isFalse();

        assertThat(aws.getResourcePolicy(b -> b.secretId("sdk/app")).resourcePolicy()).isNull();
        aws.deleteResourcePolicy(b -> b.secretId("sdk/app"));
        assertThatThrownBy(() -> aws.putResourcePolicy(b -> b.secretId("sdk/app").resourcePolicy("{}")))
                .isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> aws.validateResourcePolicy(b -> b.resourcePolicy("{}")))
                .isInstanceOf(InvalidRequestException.class);

        DeleteSecretResponse deleted = aws.deleteSecret(b -> b.secretId("sdk/app").recoveryWindowInDays(7L));
        assertThat(deleted.deletionDate()).isNotNull();
        assertThatThrownBy(() -> aws.putSecretValue(b -> b.secretId("sdk/app").secretString("x")))
                .isInstanceOf(InvalidRequestException.class);
        aws.restoreSecret(b -> b.secretId("sdk/app"));
        assertThat(aws.getSecretValue(b -> b.secretId("sdk/app")).secretString()).isNotEmpty();
    }

    @Test
    void pagingAndBatchGetWithAMissingSecret() {
        for (int i = 0; i < 5; i++) {
            String name = "sdk/page/" + i;
            aws.createSecret(b -> b.name(name).secretString("p" + name));
        }
        Set<String> seen = new TreeSet<>();
        String next = null;
        int pages = 0;
        do {
            String token = next;
            ListSecretsResponse page = aws.listSecrets(b -> b.maxResults(2).nextToken(token)
                    .filters(Filter.builder().key(FilterNameStringType.NAME).values("sdk/page/").build()));
            page.secretList().forEach(s -> seen.add(s.name()));
            next = page.nextToken();
            pages++;
        } while (next != null);
        assertThat(seen).hasSize(5);
        assertThat(pages).isGreaterThanOrEqualTo(3);
        assertThatThrownBy(() -> aws.listSecrets(b -> b.nextToken("x".repeat(
                dev.kinko.server.domain.Limits.MAX_PAGE_TOKEN_LENGTH + 1)))).isInstanceOf(InvalidNextTokenException.class);

        BatchGetSecretValueResponse batch = aws.batchGetSecretValue(b -> b.secretIdList("sdk/page/0", "sdk/page/1",
                "sdk/none"));
        assertThat(batch.secretValues()).extracting(SecretValueEntry::secretString)
                .containsExactlyInAnyOrder("psdk/page/0", "psdk/page/1");
        assertThat(batch.errors()).singleElement().satisfies(e -> {
            assertThat(e.secretId()).isEqualTo("sdk/none");
            assertThat(e.errorCode()).isEqualTo("ResourceNotFoundException");
        });
    }

    @Test
    void aTypedExceptionForEachErrorType() {
        aws.createSecret(b -> b.name("sdk/errors").secretString("v"));
        assertThatThrownBy(() -> aws.getSecretValue(b -> b.secretId("sdk/missing")))
                .isInstanceOf(ResourceNotFoundException.class)
                .satisfies(e -> assertThat(((SecretsManagerException) e).statusCode()).isEqualTo(400));
        assertThatThrownBy(() -> aws.createSecret(b -> b.name("sdk/errors").secretString("v")))
                .isInstanceOf(ResourceExistsException.class);
        assertThatThrownBy(() -> aws.createSecret(b -> b.name("bad name!").secretString("v")))
                .isInstanceOf(InvalidParameterException.class);
        assertThatThrownBy(() -> aws.getRandomPassword(b -> b.passwordLength(
                (long) dev.kinko.server.domain.Limits.MAX_PASSWORD_LENGTH + 1))).isInstanceOf(InvalidParameterException.class);
        List<Tag> tooMany = new java.util.ArrayList<>();
        for (int i = 0; i <= dev.kinko.server.domain.Limits.MAX_TAGS; i++) {
            tooMany.add(Tag.builder().key("k" + i).value("v").build());
        }
        assertThatThrownBy(() -> aws.tagResource(b -> b.secretId("sdk/errors").tags(tooMany)))
                .isInstanceOf(LimitExceededException.class);
        assertThatThrownBy(() -> aws.deleteSecret(b -> b.secretId("sdk/errors").recoveryWindowInDays(3L)))
                .isInstanceOf(InvalidParameterException.class);
        SecretsManagerClient readOnly;
        try {
            readOnly = client(tokyo, "tokyo", accessKey(tokyo, "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\":"
                    + " \"Allow\", \"Action\": \"secretsmanager:DescribeSecret\", \"Resource\": \"*\"}]}"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        try (readOnly) {
            assertThat(readOnly.describeSecret(b -> b.secretId("sdk/errors")).name()).isEqualTo("sdk/errors");
            assertThatThrownBy(() -> readOnly.getSecretValue(b -> b.secretId("sdk/errors")))
                    .isInstanceOf(SecretsManagerException.class)
                    .satisfies(e -> assertThat(((SecretsManagerException) e).awsErrorDetails().errorCode())
                            .isEqualTo("AccessDeniedException"));
        }
    }

    @Test
    void replicationCallsAcrossTwoRegions() {
        aws.createSecret(b -> b.name("sdk/replicated").secretString("r1")
                .addReplicaRegions(ReplicaRegionType.builder().region("osaka").build()));
        await().atMost(TestRegion.SETTLE).ignoreExceptions().until(() -> "r1".equals(awsOsaka.getSecretValue(
                b -> b.secretId("sdk/replicated")).secretString()));
        assertThat(aws.describeSecret(b -> b.secretId("sdk/replicated")).replicationStatus())
                .extracting(ReplicationStatusType::region).containsExactly("osaka");
        aws.createSecret(b -> b.name("sdk/later").secretString("l1"));
        ReplicateSecretToRegionsResponse added = aws.replicateSecretToRegions(b -> b.secretId("sdk/later")
                .addReplicaRegions(ReplicaRegionType.builder().region("osaka").build()));
        assertThat(added.replicationStatus()).extracting(ReplicationStatusType::region).containsExactly("osaka");
        await().atMost(TestRegion.SETTLE).ignoreExceptions().until(() -> "l1".equals(awsOsaka.getSecretValue(
                b -> b.secretId("sdk/later")).secretString()));
        assertThatThrownBy(() -> awsOsaka.putSecretValue(b -> b.secretId("sdk/later").secretString("x")))
                .isInstanceOf(InvalidRequestException.class);
        awsOsaka.stopReplicationToReplica(b -> b.secretId("sdk/later"));
        awsOsaka.putSecretValue(b -> b.secretId("sdk/later").secretString("osaka-own"));
        RemoveRegionsFromReplicationResponse removed = aws.removeRegionsFromReplication(b -> b.secretId("sdk/replicated")
                .removeReplicaRegions("osaka"));
        assertThat(removed.replicationStatus()).isEmpty();
    }

    @Test
    void awsCachingClientReadsAndRefreshes() throws Exception {
        aws.createSecret(b -> b.name("sdk/cached").secretString("c1"));
        try (com.amazonaws.secretsmanager.caching.SecretCache cache =
                     new com.amazonaws.secretsmanager.caching.SecretCache(aws)) {
            assertThat(cache.getSecretString("sdk/cached")).isEqualTo("c1");
            aws.putSecretValue(b -> b.secretId("sdk/cached").secretString("c2"));
            assertThat(cache.getSecretString("sdk/cached")).as("still cached").isEqualTo("c1");
            assertThat(cache.refreshNow("sdk/cached")).isTrue();
            assertThat(cache.getSecretString("sdk/cached")).isEqualTo("c2");
        }
    }

    @Test
    void theAwsCliWorksWithEndpointUrl() throws Exception {
        CreateTokenResponse key = accessKey(tokyo, "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\":"
                + " \"Allow\", \"Action\": \"secretsmanager:*\", \"Resource\": \"*\"}]}");
        String endpoint = "https://127.0.0.1:" + tokyo.node(0).awsPort();
        java.util.function.Function<List<String>, String> cli = args -> {
            List<String> command = new java.util.ArrayList<>(List.of("aws", "--endpoint-url", endpoint, "secretsmanager"));
            command.addAll(args);
            try {
                ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
                pb.environment().put("AWS_ACCESS_KEY_ID", key.getAccessKeyId());
                pb.environment().put("AWS_SECRET_ACCESS_KEY", key.getSecretAccessKey());
                pb.environment().put("AWS_DEFAULT_REGION", "tokyo");
                pb.environment().put("AWS_CA_BUNDLE", tokyo.caFile().toString());
                pb.environment().put("AWS_CONFIG_FILE", dir.resolve("no-aws-config").toString());
                pb.environment().put("AWS_SHARED_CREDENTIALS_FILE", dir.resolve("no-aws-credentials").toString());
                Process p = pb.start();
                String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).as("aws %s: %s", args, out).isZero();
                return out;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        };
        assertThat(cli.apply(List.of("create-secret", "--name", "cli/db", "--secret-string", "s3cr3t")))
                .contains("arn:aws:secretsmanager:tokyo:123456789012:secret:cli/db-");
        assertThat(cli.apply(List.of("get-secret-value", "--secret-id", "cli/db", "--query", "SecretString",
                "--output", "text"))).isEqualTo("s3cr3t\n");
        cli.apply(List.of("put-secret-value", "--secret-id", "cli/db", "--secret-string", "n3w"));
        assertThat(cli.apply(List.of("get-secret-value", "--secret-id", "cli/db", "--query", "SecretString",
                "--output", "text"))).isEqualTo("n3w\n");
        assertThat(cli.apply(List.of("list-secrets", "--query", "SecretList[].Name", "--output", "text")))
                .contains("cli/db");
        assertThat(cli.apply(List.of("describe-secret", "--secret-id", "cli/db", "--query", "Name", "--output", "text")))
                .isEqualTo("cli/db\n");
        assertThat(cli.apply(List.of("delete-secret", "--secret-id", "cli/db", "--force-delete-without-recovery")))
                .contains("cli/db");
    }

    @Test
    void unknownAndRevokedKeysAreUnrecognizedClients() throws Exception {
        CreateTokenResponse bogus = CreateTokenResponse.newBuilder().setAccessKeyId("KKIA0000000000000000")
                .setSecretAccessKey("x".repeat(40)).build();
        try (SecretsManagerClient unknown = client(tokyo, "tokyo", bogus)) {
            assertThatThrownBy(() -> unknown.listSecrets(b -> { }))
                    .isInstanceOf(SecretsManagerException.class)
                    .satisfies(e -> assertThat(((SecretsManagerException) e).awsErrorDetails().errorCode())
                            .isEqualTo("UnrecognizedClientException"));
        }
        assertThat(auditLines(tokyo)).as("the refusal is in the audit log").anyMatch(line ->
                line.contains("secretsmanager:ListSecrets") && line.contains("UNAUTHENTICATED"));
        CreateTokenResponse key = accessKey(tokyo, "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\":"
                + " \"Allow\", \"Action\": \"secretsmanager:ListSecrets\", \"Resource\": \"*\"}]}");
        try (SecretsManagerClient revoked = client(tokyo, "tokyo", key)) {
            revoked.listSecrets(b -> { });
            tokyo.access(0).revokeToken(dev.kinko.proto.v1.RevokeTokenRequest.newBuilder()
                    .setAccessor(key.getAccessKeyId()).build());
            await().atMost(TestRegion.SETTLE).ignoreExceptionsMatching(e -> !(e instanceof AssertionError))
                    .untilAsserted(() -> assertThatThrownBy(() -> revoked.listSecrets(b -> { }))
                            .isInstanceOf(SecretsManagerException.class)
                            .satisfies(e -> assertThat(((SecretsManagerException) e).awsErrorDetails().errorCode())
                                    .isEqualTo("UnrecognizedClientException")));
        }
    }

    static List<String> auditLines(TestRegion region) throws java.io.IOException {
        List<String> lines = new java.util.ArrayList<>();
        for (int i = 0; i < region.size(); i++) {
            lines.addAll(region.auditLines(i));
        }
        return lines;
    }
}
