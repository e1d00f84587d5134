package dev.kinko.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.TakeSnapshotRequest;
import dev.kinko.server.testing.TestRegion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No plaintext value, no token and no secret access key in any file a node writes: Raft log, RocksDB, snapshots,
 * audit log. The one file that holds a token is the root token file, by design.
 */
class PlaintextAtRestTest {
    @TempDir
    Path dir;

    @Test
    void noFileUnderAnyDataDirectoryHoldsAPlaintextValue() throws Exception {
        SecureRandom random = new SecureRandom();
        List<byte[]> values = new ArrayList<>();
        // Needles are the random parts only: compression may cut a repeated prefix into a
        // back-reference, but random bytes stay literal, so a plaintext copy would be found.
        String nameMarker = HexFormat.of().formatHex(randomBytes(random, 8));
        List<byte[]> tokens = new ArrayList<>();
        try (TestRegion region = TestRegion.builder("tokyo", dir).snapshotEvery(10).start()) {
            for (int i = 0; i < 40; i++) {
                String name = "scan/s" + i + (i == 17 ? "-" + nameMarker : "");
                String secretPart = HexFormat.of().formatHex(randomBytes(random, 12));
                String value = "PLAINTEXT-MARKER-" + secretPart;
                values.add(secretPart.getBytes(StandardCharsets.UTF_8));
                region.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(name)
                        .setSecretString(value).build()));
                byte[] binary = randomBytes(random, 48);
                values.add(binary);
                region.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(name)
                        .setSecretBinary(ByteString.copyFrom(binary)).build()));
            }
            // values the leader makes itself: rotated passwords
            for (int i = 0; i < 3; i++) {
                String name = "scan/s" + i;
                region.withRetry(s -> s.rotateSecret(dev.kinko.proto.v1.RotateSecretRequest.newBuilder()
                        .setSecretId(name).build()));
                await().atMost(TestRegion.SETTLE).until(() -> region.withRetry(s -> s.getSecretValue(
                        dev.kinko.proto.v1.GetSecretValueRequest.newBuilder().setSecretId(name).build())).hasSecretString());
                values.add(region.withRetry(s -> s.getSecretValue(dev.kinko.proto.v1.GetSecretValueRequest.newBuilder()
                        .setSecretId(name).build())).getSecretString().getBytes(StandardCharsets.UTF_8));
            }
            region.access(0).putPolicy(dev.kinko.proto.v1.PutPolicyRequest.newBuilder().setName("scan").setDocument(
                    "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"*\","
                            + " \"Resource\": \"*\"}]}").build());
            for (int i = 0; i < 10; i++) {
                String token = region.access(i % 3).createToken(dev.kinko.proto.v1.CreateTokenRequest.newBuilder()
                        .addPolicies("scan").build()).getToken();
                tokens.add(secretOf(token));
                // used on every node, so each audit log has lines about it
                for (int n = 0; n < 3; n++) {
                    dev.kinko.proto.v1.AccessServiceGrpc.newBlockingStub(io.grpc.ClientInterceptors.intercept(
                            region.bareChannel(n), TestRegion.bearer(token)))
                            .whoAmI(dev.kinko.proto.v1.WhoAmIRequest.getDefaultInstance());
                }
            }
            // access keys: the region keeps their secrets sealed (SigV4 needs them), never in plain
            for (int i = 0; i < 5; i++) {
                dev.kinko.proto.v1.CreateTokenResponse key = region.access(i % 3).createToken(
                        dev.kinko.proto.v1.CreateTokenRequest.newBuilder().setAccessKey(true).addPolicies("scan").build());
                tokens.add(key.getSecretAccessKey().getBytes(StandardCharsets.US_ASCII)); // all 40 characters are random
                for (int n = 0; n < 3; n++) {
                    region.node(n).authenticator().accessKey(key.getAccessKeyId(), "scan").orElseThrow().close();
                }
            }
            tokens.add(secretOf(region.rootToken()));
            for (int i = 0; i < 3; i++) {
                region.admin(i).takeSnapshot(TakeSnapshotRequest.getDefaultInstance());
            }
            int leader = region.awaitLeader();
            await().atMost(TestRegion.SETTLE).until(() -> region.node(leader).raft().view().snapshotIndex() > 0);
        }
        // the nodes are stopped: everything they wrote is on disk now
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertThat(files).as("Raft log segments scanned").anyMatch(f -> f.toString().contains("log_"));
        assertThat(files).as("RocksDB tables scanned").anyMatch(f -> f.toString().endsWith(".sst"));
        assertThat(files).as("snapshots scanned").anyMatch(f -> f.toString().contains("/snapshots/"));
        assertThat(files).as("audit logs scanned").anyMatch(f -> f.toString().contains("/audit/"));
        for (Path f : files) {
            if (f.getFileName().toString().endsWith("root-token")) {
                continue; // the root token file holds the root token: that is its job
            }
            byte[] content = read(f);
            for (byte[] t : tokens) {
                assertThat(contains(content, t)).as("a token found in %s", f).isFalse();
            }
        }
        // the scan itself works: secret names are not secret and are found in plain
        assertThat(files).as("a secret name found in plain").anyMatch(f ->
                contains(read(f), nameMarker.getBytes(StandardCharsets.UTF_8)));
        for (Path f : files) {
            byte[] content = read(f);
            for (byte[] v : values) {
                assertThat(contains(content, v)).as("plaintext value found in %s", f).isFalse();
            }
        }
    }

    @Test
    void replicationLeavesNoPlaintextInEitherRegion() throws Exception {
        SecureRandom random = new SecureRandom();
        List<byte[]> values = new ArrayList<>();
        Path regions = dir.resolve("two-regions");
        try (TestRegion osaka = TestRegion.start("osaka", regions);
             TestRegion tokyo = TestRegion.builder("tokyo", regions).link(osaka).start()) {
            for (int i = 0; i < 20; i++) {
                String name = "scan/replicated" + i;
                String secretPart = HexFormat.of().formatHex(randomBytes(random, 12));
                values.add(secretPart.getBytes(StandardCharsets.UTF_8));
                tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(name)
                        .setSecretString("PLAINTEXT-MARKER-" + secretPart).addAddReplicaRegions("osaka").build()));
            }
            await().atMost(TestRegion.SETTLE).ignoreExceptions().until(() -> osaka.withRetry(s -> s.getSecretValue(
                    dev.kinko.proto.v1.GetSecretValueRequest.newBuilder().setSecretId("scan/replicated19").build()))
                    .getSecretString().startsWith("PLAINTEXT-MARKER-"));
            for (int i = 0; i < 3; i++) {
                osaka.admin(i).takeSnapshot(TakeSnapshotRequest.getDefaultInstance());
                tokyo.admin(i).takeSnapshot(TakeSnapshotRequest.getDefaultInstance());
            }
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(regions)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertThat(files).as("osaka's files scanned").anyMatch(f -> f.toString().contains("/osaka/") && f.toString().endsWith(".sst"));
        for (Path f : files) {
            byte[] content = read(f);
            for (byte[] v : values) {
                assertThat(contains(content, v)).as("plaintext value found in %s", f).isFalse();
            }
        }
    }

    /** A token's secret part (the accessor is not secret: it names the token in lists and the audit log). */
    private static byte[] secretOf(String token) {
        return token.substring(token.lastIndexOf('.') + 1).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] randomBytes(SecureRandom random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static byte[] read(Path f) {
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
