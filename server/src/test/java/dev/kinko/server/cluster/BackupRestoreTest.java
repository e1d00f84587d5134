package dev.kinko.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.kinko.proto.v1.BackupRequest;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.DeleteSecretRequest;
import dev.kinko.proto.v1.DescribeSecretRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.GetSecretValueResponse;
import dev.kinko.proto.v1.ListSecretVersionIdsRequest;
import dev.kinko.proto.v1.ListSecretsRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.RotateRegionKeyRequest;
import dev.kinko.proto.v1.SecretMetadata;
import dev.kinko.proto.v1.SecretVersionInfo;
import dev.kinko.proto.v1.Tag;
import dev.kinko.proto.v1.UpdateSecretVersionStageRequest;
import dev.kinko.server.api.AdminGrpcService;
import dev.kinko.server.backup.BackupArchive;
import dev.kinko.server.backup.BackupException;
import dev.kinko.server.backup.BackupManifest;
import dev.kinko.server.backup.BackupRestore;
import dev.kinko.server.config.NodeConfig;
import dev.kinko.server.crypto.MasterKeyFile;
import dev.kinko.server.testing.TestRegion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backup taken through AdminService.Backup from a follower, restored into a fresh region
 * of three new nodes, holds exactly the secrets (metadata, versions, labels, values) that
 * were acknowledged before the backup; the restored region then takes writes.
 */
class BackupRestoreTest {
    @TempDir
    Path dir;

    @Test
    void aRestoredRegionHoldsTheSameSecretsAndTakesWrites() throws Exception {
        Path backup = dir.resolve("tokyo.kinko-backup");
        Map<String, String> before;
        Path keyFile;
        try (TestRegion tokyo = TestRegion.start("tokyo", dir.resolve("old"))) {
            fill(tokyo);
            before = contents(tokyo);
            int follower = (tokyo.awaitLeader() + 1) % 3;
            long bytes = tokyo.backup(follower, backup);
            assertThat(bytes).isPositive();
            // acknowledged after the backup: not in it
            tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("after/backup")
                    .setSecretString("later").build()));
            keyFile = tokyo.config(0).keyFile();
            Files.copy(keyFile, dir.resolve("tokyo.key"));
            Files.copy(tokyo.config(0).rootTokenFile(), dir.resolve("tokyo.root-token"));
        }
        BackupManifest manifest = BackupArchive.readManifest(backup);
        assertThat(manifest.region()).isEqualTo("tokyo");
        assertThat(manifest.index()).isPositive();
        // still encrypted: no value in any file of the backup; a name is there (the control)
        String unzipped = unzipped(backup);
        assertThat(unzipped).doesNotContain("pw-1", "pw-2", "key-1", "key-2").contains("db/password");

        try (TestRegion restored = TestRegion.builder("tokyo", dir.resolve("new"))
                .restoreFrom(backup, dir.resolve("tokyo.key"), dir.resolve("tokyo.root-token")).start()) {
            assertThat(contents(restored)).isEqualTo(before);
            restored.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder()
                    .setSecretId("db/password").setSecretString("after-restore").build()));
            assertThat(restored.withRetry(s -> s.getSecretValue(GetSecretValueRequest.newBuilder()
                    .setSecretId("db/password").build())).getSecretString()).isEqualTo("after-restore");
            // a restored node restarts from its own snapshot and log like any other
            restored.stopNode(0);
            restored.startNode(0);
            await().atMost(TestRegion.SETTLE).ignoreExceptions().untilAsserted(() ->
                    assertThat(restored.secrets(0).getSecretValue(GetSecretValueRequest.newBuilder()
                            .setSecretId("db/password").build()).getSecretString()).isEqualTo("after-restore"));
        }
    }

    @Test
    void restoreRefusesWhatWouldNotGiveTheSameRegion() throws Exception {
        Path backup = dir.resolve("b.kinko-backup");
        try (TestRegion tokyo = TestRegion.start("tokyo", dir.resolve("src"))) {
            tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("a").setSecretString("v").build()));
            tokyo.backup(tokyo.awaitLeader(), backup);
            Files.copy(tokyo.config(0).keyFile(), dir.resolve("right.key"));
        }
        assertRestoreFails(backup, node("osaka", "other", "right.key"), BackupException.Reason.BACKUP_REGION_MISMATCH);
        NodeConfig fresh = node("tokyo", "fresh", "right.key");
        NodeConfig wrongKey = node("tokyo", "fresh2", "wrong.key");
        MasterKeyFile.generate(dir.resolve("wrong.key"));
        assertRestoreFails(backup, wrongKey, BackupException.Reason.KEY_MISMATCH);
        NodeConfig noKey = node("tokyo", "fresh3", "absent.key");
        assertRestoreFails(backup, noKey, BackupException.Reason.KEY_MISMATCH);

        Path corrupt = dir.resolve("corrupt.kinko-backup");
        byte[] bytes = Files.readAllBytes(backup);
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(corrupt, bytes);
        assertRestoreFails(corrupt, fresh, BackupException.Reason.BACKUP_CORRUPT);
        Path truncated = dir.resolve("truncated.kinko-backup");
        Files.write(truncated, java.util.Arrays.copyOf(Files.readAllBytes(backup), bytes.length / 2));
        assertRestoreFails(truncated, fresh, BackupException.Reason.BACKUP_CORRUPT);
        Path notABackup = dir.resolve("notes.txt");
        Files.writeString(notABackup, "not a backup");
        assertRestoreFails(notABackup, fresh, BackupException.Reason.BACKUP_FORMAT);

        BackupManifest ok = BackupRestore.restore(backup, fresh);
        assertThat(fresh.dataDir().resolve("snapshots").resolve("1_" + ok.index())).isDirectory();
        // a second restore into the same node is refused: it is no longer new
        assertThatThrownBy(() -> BackupRestore.restore(backup, fresh)).isInstanceOf(BackupException.class)
                .extracting(e -> ((BackupException) e).reason()).isEqualTo(BackupException.Reason.DATA_DIR_NOT_EMPTY);
    }

    /** A node of a region that never ran, for an offline restore. */
    private NodeConfig node(String region, String dataDir, String keyFile) {
        List<NodeConfig.Peer> peers = List.of(new NodeConfig.Peer(region + "-1", "127.0.0.1:1", "127.0.0.1:2"));
        return new NodeConfig(region + "-1", region, dir.resolve(dataDir), dir.resolve(keyFile), "127.0.0.1", 0,
                peers, null, null, List.of(), null, null, null, dir.resolve(dataDir + "-root-token"), null, null, null, null);
    }

    @Test
    void aNodeMakesOneBackupAtATime() throws Exception {
        try (TestRegion tokyo = TestRegion.start("tokyo", dir.resolve("busy"))) {
            byte[] noise = new byte[60 * 1024];
            for (int i = 0; i < 80; i++) { // about 5 MB: more than gRPC's 1 MiB flow-control window
                new java.util.Random(i).nextBytes(noise);
                String name = "busy/" + i;
                ByteString value = ByteString.copyFrom(noise); // random: it does not compress
                tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(name)
                        .setSecretBinary(value).build()));
            }
            // a caller that reads nothing holds its backup open once gRPC's flow-control window is full
            java.util.concurrent.CompletableFuture<Void> held = new java.util.concurrent.CompletableFuture<>();
            java.util.concurrent.atomic.AtomicReference<io.grpc.stub.ClientCallStreamObserver<BackupRequest>> call =
                    new java.util.concurrent.atomic.AtomicReference<>();
            dev.kinko.proto.v1.AdminServiceGrpc.newStub(tokyo.channel(0)).backup(BackupRequest.getDefaultInstance(),
                    new io.grpc.stub.ClientResponseObserver<BackupRequest, dev.kinko.proto.v1.BackupResponse>() {
                        @Override
                        public void beforeStart(io.grpc.stub.ClientCallStreamObserver<BackupRequest> stream) {
                            stream.disableAutoRequestWithInitial(1);
                            call.set(stream);
                        }

                        @Override
                        public void onNext(dev.kinko.proto.v1.BackupResponse chunk) {
                            held.complete(null); // the first chunk: the backup exists and is being sent
                        }

                        @Override
                        public void onError(Throwable t) {
                            held.completeExceptionally(t);
                        }

                        @Override
                        public void onCompleted() {
                            held.completeExceptionally(new AssertionError("the backup should not fit in one window"));
                        }
                    });
            held.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(AdminGrpcService.MAX_CONCURRENT_BACKUPS).isEqualTo(1);
            // one past the limit
            dev.kinko.server.testing.Grpcs.assertRefused(() -> tokyo.admin(0).backup(BackupRequest.getDefaultInstance()).next(),
                    io.grpc.Status.Code.RESOURCE_EXHAUSTED, "OVERLOADED");
            call.get().cancel("done", null);
            // the limit is free again once that call is over
            await().atMost(TestRegion.SETTLE).ignoreExceptions().untilAsserted(() ->
                    assertThat(tokyo.backup(0, dir.resolve("after.kinko-backup"))).isPositive());
        }
    }

    private static void assertRestoreFails(Path backup, NodeConfig cfg,
                                           BackupException.Reason reason) throws IOException {
        assertThatThrownBy(() -> BackupRestore.restore(backup, cfg)).isInstanceOf(BackupException.class)
                .hasMessageStartingWith(reason.name())
                .extracting(e -> ((BackupException) e).reason()).isEqualTo(reason);
        // nothing is left behind for the node to start from
        Path snapshots = cfg.dataDir().resolve("snapshots");
        if (Files.exists(snapshots)) {
            try (Stream<Path> s = Files.list(snapshots)) {
                assertThat(s).isEmpty();
            }
        }
    }

    /** Secrets with several versions, a custom label, tags, a binary value, two region key versions and one deletion pending. */
    private static void fill(TestRegion r) {
        r.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("db/password").setSecretString("pw-1")
                .setDescription("orders database").addTags(Tag.newBuilder().setKey("team").setValue("payments")).build()));
        r.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("db/password")
                .setSecretString("pw-2").build()));
        r.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("tls/key")
                .setSecretBinary(ByteString.copyFrom(new byte[] {0, 1, 2, (byte) 0xff})).build()));
        r.admin(r.awaitLeader()).rotateRegionKey(RotateRegionKeyRequest.getDefaultInstance());
        r.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("api/key").setSecretString("key-1").build()));
        String v2 = r.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("api/key")
                .setSecretString("key-2").build())).getVersionId();
        r.withRetry(s -> s.updateSecretVersionStage(UpdateSecretVersionStageRequest.newBuilder().setSecretId("api/key")
                .setVersionStage("BLUE").setMoveToVersionId(v2).build()));
        r.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("old/token").setSecretString("t").build()));
        r.withRetry(s -> s.deleteSecret(DeleteSecretRequest.newBuilder().setSecretId("old/token")
                .setRecoveryWindowInDays(7).build()));
        for (int i = 0; i < 20; i++) {
            String name = "bulk/" + i;
            r.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(name).setSecretString("v" + name).build()));
        }
    }

    /** Every secret (also those pending deletion): its metadata, and the value of each version. */
    private static Map<String, String> contents(TestRegion r) {
        Map<String, String> out = new TreeMap<>();
        for (SecretMetadata listed : r.withRetry(s -> s.listSecrets(ListSecretsRequest.newBuilder().setPageSize(100)
                .setIncludePlannedDeletion(true).build())).getSecretsList()) {
            SecretMetadata m = r.withRetry(s -> s.describeSecret(DescribeSecretRequest.newBuilder()
                    .setSecretId(listed.getId()).build())).getSecret();
            out.put(m.getName(), m.toString());
            if (m.hasDeletedDate()) {
                continue; // values of a secret pending deletion are not served
            }
            for (SecretVersionInfo v : r.withRetry(s -> s.listSecretVersionIds(ListSecretVersionIdsRequest.newBuilder()
                    .setSecretId(m.getId()).setIncludeDeprecated(true).build())).getVersionsList()) {
                GetSecretValueResponse value = r.withRetry(s -> s.getSecretValue(GetSecretValueRequest.newBuilder()
                        .setSecretId(m.getId()).setVersionId(v.getVersionId()).build()));
                out.put(m.getName() + "@" + v.getVersionId(), value.hasSecretBinary()
                        ? "binary:" + HexFormat.of().formatHex(value.getSecretBinary().toByteArray())
                        : "string:" + value.getSecretString());
            }
        }
        return out;
    }

    /** Every entry of the backup, decompressed, as one ISO-8859-1 string (byte for byte). */
    private static String unzipped(Path backup) throws IOException {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(backup))) {
            while (zip.getNextEntry() != null) {
                zip.transferTo(all);
            }
        }
        return all.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
