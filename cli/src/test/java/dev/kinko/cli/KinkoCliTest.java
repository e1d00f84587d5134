package dev.kinko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kinko.proto.v1.DescribeSecretResponse;
import dev.kinko.proto.v1.GetClusterStatusResponse;
import dev.kinko.proto.v1.GetRegionStatusResponse;
import dev.kinko.proto.v1.GetSecretValueResponse;
import dev.kinko.proto.v1.ListSecretVersionIdsResponse;
import dev.kinko.proto.v1.ListSecretsResponse;
import dev.kinko.proto.v1.TakeSnapshotResponse;
import dev.kinko.server.testing.TestRegion;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fixed CLI shapes against a real region: output, exit codes, one-line errors with the reason. */
class KinkoCliTest {
    @TempDir
    static Path dir;
    static TestRegion region;

    record Result(int code, String out, String err) {}

    @BeforeAll
    static void start() {
        region = TestRegion.start("tokyo", dir.resolve("region"));
    }

    @AfterAll
    static void stop() {
        region.close();
    }

    static Result kinko(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] withAddr = new String[args.length + 6];
        System.arraycopy(args, 0, withAddr, 0, args.length);
        withAddr[args.length] = "--addr";
        withAddr[args.length + 1] = region.addresses();
        withAddr[args.length + 2] = "--cacert";
        withAddr[args.length + 3] = region.caFile().toString();
        withAddr[args.length + 4] = "--token";
        withAddr[args.length + 5] = region.rootToken();
        boolean needsAddr = args.length >= 1 && java.util.Set.of("secret", "cluster", "region", "policy", "token", "whoami")
                .contains(args[0]) && !(args.length >= 2 && args[0].equals("cluster") && args[1].equals("restore"));
        int code = KinkoCli.run(needsAddr ? withAddr : args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void aSecretsWholeLifeThroughTheCli() throws Exception {
        assertThat(kinko("secret", "create", "cli/db/password", "--value", "hunter2", "--description", "the db").code())
                .isZero();
        Result get = kinko("secret", "get", "cli/db/password");
        assertThat(get.code()).isZero();
        assertThat(get.out()).isEqualTo("hunter2" + System.lineSeparator());

        Path file = dir.resolve("value.txt");
        Files.writeString(file, "correct horse");
        assertThat(kinko("secret", "put", "cli/db/password", "--value-file", file.toString()).code()).isZero();
        assertThat(kinko("secret", "get", "cli/db/password").out()).isEqualTo("correct horse" + System.lineSeparator());
        assertThat(kinko("secret", "get", "cli/db/password", "--stage", "PREVIOUS").out())
                .isEqualTo("hunter2" + System.lineSeparator());
        assertThat(kinko("secret", "get", "cli/db/password", "--local").code()).isZero();

        Result versions = kinko("secret", "versions", "cli/db/password");
        assertThat(versions.out().lines()).hasSize(2);
        assertThat(versions.out()).contains("CURRENT").contains("PREVIOUS");
        String previousId = versions.out().lines().filter(l -> l.contains("PREVIOUS")).findFirst().orElseThrow().split(" ")[0];
        assertThat(kinko("secret", "get", "cli/db/password", "--version-id", previousId).out())
                .isEqualTo("hunter2" + System.lineSeparator());

        Result describe = kinko("secret", "describe", "cli/db/password");
        assertThat(describe.out()).contains("Name:           cli/db/password").contains("the db")
                .contains("Primary region: tokyo").doesNotContain("hunter2").doesNotContain("correct horse");

        assertThat(kinko("secret", "list", "--prefix", "cli/").out().lines()).containsExactly("cli/db/password");

        assertThat(kinko("secret", "delete", "cli/db/password", "--recovery-days", "7").out()).contains("scheduled");
        Result refused = kinko("secret", "get", "cli/db/password");
        assertThat(refused.code()).isEqualTo(KinkoCli.EXIT_ERROR);
        assertThat(refused.err().lines()).hasSize(1);
        assertThat(refused.err()).contains("SCHEDULED_FOR_DELETION");
        Result restoredSecret = kinko("secret", "restore", "cli/db/password");
        assertThat(restoredSecret.code()).as(restoredSecret.err()).isZero();
        assertThat(kinko("secret", "delete", "cli/db/password", "--force").code()).isZero();
        assertThat(kinko("secret", "get", "cli/db/password").err()).contains("SECRET_NOT_FOUND");
    }

    @Test
    void errorsAreOneLineWithTheReason() {
        Result notFound = kinko("secret", "get", "no/such/secret");
        assertThat(notFound.code()).isEqualTo(KinkoCli.EXIT_ERROR);
        assertThat(notFound.err().lines()).containsExactly("kinko: SECRET_NOT_FOUND: secret no/such/secret not found");

        Result tooBig = kinko("secret", "create", "cli/big", "--value", "x".repeat(65_537));
        assertThat(tooBig.code()).isEqualTo(KinkoCli.EXIT_ERROR);
        assertThat(tooBig.err()).contains("VALUE_TOO_LARGE").doesNotContain("xxxx");

        Result badName = kinko("secret", "create", "bad name", "--value", "v");
        assertThat(badName.err()).contains("INVALID_NAME");

        Result noAddr = new Result(KinkoCli.run(new String[] {"secret", "get", "x", "--addr", ""},
                new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())), "", "");
        assertThat(noAddr.code()).isEqualTo(KinkoCli.EXIT_ERROR);
    }

    @Test
    void aRegionThatDoesNotAnswerIsOneLineOfError() {
        // the client library reports an unreachable region on java.util.logging (stderr): a command keeps it quiet
        java.util.List<java.util.logging.LogRecord> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                logged.add(r);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        java.util.logging.Logger clientLogs = java.util.logging.Logger.getLogger("dev.kinko.client");
        clientLogs.addHandler(handler);
        try {
            Result down = bare("secret", "get", "any", "--timeout", "2", "--addr", "127.0.0.1:" + dev.kinko.server.testing.Ports.free());
            assertThat(down.code()).isEqualTo(KinkoCli.EXIT_ERROR);
            assertThat(down.err().lines()).singleElement().satisfies(l -> assertThat(l).startsWith("kinko: UNAVAILABLE"));
            assertThat(logged).isEmpty();
        } finally {
            clientLogs.removeHandler(handler);
        }
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(kinko("secret", "get").code()).isEqualTo(KinkoCli.EXIT_USAGE);
        assertThat(kinko("secret", "create", "x").code()).isEqualTo(KinkoCli.EXIT_USAGE);
        assertThat(kinko("secret", "create", "x", "--value", "a", "--value-file", "f").code()).isEqualTo(KinkoCli.EXIT_USAGE);
        assertThat(kinko("secret", "delete", "x", "--force", "--recovery-days", "7").code()).isEqualTo(KinkoCli.EXIT_USAGE);
        assertThat(kinko("no-such-command").code()).isEqualTo(KinkoCli.EXIT_USAGE);
        assertThat(kinko("--help").code()).isZero();
    }

    @Test
    void jsonOutputOfEveryReadCommandParsesAsItsResponse() throws Exception {
        assertThat(kinko("secret", "create", "json/one", "--value", "j1").code()).isZero();
        assertThat(kinko("secret", "put", "json/one", "--value", "j2").code()).isZero();
        parse(kinko("secret", "get", "json/one", "-o", "json"), GetSecretValueResponse.newBuilder());
        assertThat(parse(kinko("secret", "get", "json/one", "--output", "json"), GetSecretValueResponse.newBuilder())
                .getSecretString()).isEqualTo("j2");
        assertThat(parse(kinko("secret", "describe", "json/one", "--output", "json"), DescribeSecretResponse.newBuilder())
                .getSecret().getVersionsCount()).isEqualTo(2);
        assertThat(parse(kinko("secret", "list", "--prefix", "json/", "--output", "json"), ListSecretsResponse.newBuilder())
                .getSecretsCount()).isEqualTo(1);
        assertThat(parse(kinko("secret", "versions", "json/one", "--output", "json"),
                ListSecretVersionIdsResponse.newBuilder()).getVersionsCount()).isEqualTo(2);
        assertThat(parse(kinko("cluster", "status", "--output", "json"), GetClusterStatusResponse.newBuilder())
                .getNodesCount()).isEqualTo(3);
        assertThat(parse(kinko("region", "status", "--output", "json"), GetRegionStatusResponse.newBuilder())
                .getRegion()).isEqualTo("tokyo");
        assertThat(kinko("secret", "get", "json/one", "--output", "yaml").code()).isEqualTo(KinkoCli.EXIT_USAGE);
    }

    @Test
    void updateStageTagsPasswordsAndBatchReads() {
        assertThat(kinko("secret", "create", "more/one", "--value", "a").code()).isZero();
        assertThat(kinko("secret", "update", "more/one", "--description", "described").code()).isZero();
        assertThat(kinko("secret", "describe", "more/one").out()).contains("described");
        assertThat(kinko("secret", "update", "more/one", "--value", "b").out()).contains("version");
        String current = kinko("secret", "versions", "more/one").out().lines()
                .filter(l -> l.contains("CURRENT")).findFirst().orElseThrow().split(" ")[0];
        String previous = kinko("secret", "versions", "more/one").out().lines()
                .filter(l -> l.contains("PREVIOUS")).findFirst().orElseThrow().split(" ")[0];
        assertThat(kinko("secret", "stage", "more/one", "--label", "CURRENT", "--from", current, "--to", previous).code())
                .isZero();
        assertThat(kinko("secret", "get", "more/one").out()).isEqualTo("a" + System.lineSeparator());
        assertThat(kinko("secret", "tag", "more/one", "team=payments", "env=prod").code()).isZero();
        assertThat(kinko("secret", "untag", "more/one", "env").code()).isZero();
        assertThat(kinko("secret", "describe", "more/one").out()).contains("Tag:            team=payments")
                .doesNotContain("env=prod");
        String password = kinko("secret", "random-password", "--length", "40", "--exclude-punctuation").out().trim();
        assertThat(password).hasSize(40).matches("[A-Za-z0-9]+");
        Result many = kinko("secret", "get-many", "more/one", "more/none");
        assertThat(many.out()).contains("more/one\ta").contains("more/none\tSECRET_NOT_FOUND");
        assertThat(kinko("secret", "random-password", "--length", "5000").err()).contains("INVALID_PASSWORD_OPTIONS");
    }

    @Test
    void generatePasswordStoresAServerMadeValueAndNeverPrintsIt() throws Exception {
        Result created = kinko("secret", "create", "gen/one", "--generate-password", "--length", "40");
        assertThat(created.code()).as(created.err()).isZero();
        assertThat(created.out()).startsWith("created gen/one (version ");
        String first = kinko("secret", "get", "gen/one").out().strip();
        assertThat(first).hasSize(40);
        assertThat(created.out()).doesNotContain(first);

        Result put = kinko("secret", "put", "gen/one", "--generate-password", "--length", "20", "--exclude-punctuation",
                "-o", "json");
        assertThat(put.code()).as(put.err()).isZero();
        String second = kinko("secret", "get", "gen/one").out().strip();
        assertThat(second).hasSize(20).matches("[A-Za-z0-9]+");
        assertThat(put.out()).doesNotContain(second);
        assertThat(parse(put, dev.kinko.proto.v1.PutSecretValueResponse.newBuilder()).getVersionStagesList())
                .contains("CURRENT");

        Result updated = kinko("secret", "update", "gen/one", "--generate-password");
        assertThat(updated.code()).as(updated.err()).isZero();
        String third = kinko("secret", "get", "gen/one").out().strip();
        assertThat(third).hasSize(PasswordOptions.DEFAULT_LENGTH).isNotEqualTo(second);
        assertThat(updated.out()).startsWith("updated gen/one (version ").doesNotContain(third);

        // the server's rules on the options, as for random-password
        Result tooLong = kinko("secret", "create", "gen/two", "--generate-password", "--length", "5000");
        assertThat(tooLong.code()).isEqualTo(KinkoCli.EXIT_ERROR);
        assertThat(tooLong.err()).contains("INVALID_PASSWORD_OPTIONS");
        assertThat(kinko("secret", "get", "gen/two").err()).contains("SECRET_NOT_FOUND");
    }

    @Test
    void generatePasswordExcludesTheOtherValueSources() {
        Result both = kinko("secret", "create", "gen/x", "--generate-password", "--value", "s3cret-v");
        assertThat(both.code()).isEqualTo(KinkoCli.EXIT_USAGE);
        assertThat(both.err().lines().findFirst().orElseThrow())
                .isEqualTo("kinko: Error: give only one of --value, --value-file, --generate-password");
        assertThat(both.err()).doesNotContain("s3cret");
        assertThat(kinko("secret", "create", "gen/x", "--value", "v", "--length", "40").code())
                .isEqualTo(KinkoCli.EXIT_USAGE);
        assertThat(kinko("secret", "put", "gen/x", "--value-file", "-", "--generate-password").code())
                .isEqualTo(KinkoCli.EXIT_USAGE);
        assertThat(kinko("secret", "update", "gen/x", "--generate-password", "--value", "v").code())
                .isEqualTo(KinkoCli.EXIT_USAGE);
        Result shapeOnly = kinko("secret", "create", "gen/x", "--length", "40");
        assertThat(shapeOnly.code()).isEqualTo(KinkoCli.EXIT_USAGE);
        assertThat(shapeOnly.err()).contains("--generate-password");
        assertThat(kinko("secret", "get", "gen/x").err()).contains("SECRET_NOT_FOUND");
    }

    @Test
    void usageErrorsNeverRepeatTheValue() {
        for (String[] args : java.util.List.of(
                new String[] {"secret", "create", "u/x", "--value", "s3cret-1", "--value", "s3cret-2"},
                new String[] {"secret", "create", "u/x", "--value=s3cret-1", "--value=s3cret-2"},
                new String[] {"secret", "put", "u/x", "--value", "s3cret-1", "--generate-password"},
                new String[] {"secret", "get", "u/x", "--value", "s3cret-1"},
                new String[] {"secret", "get", "u/x", "--value=s3cret-1"})) {
            Result r = kinko(args);
            assertThat(r.code()).as(String.join(" ", args)).isEqualTo(KinkoCli.EXIT_USAGE);
            assertThat(r.err()).as(String.join(" ", args)).startsWith("kinko: ").doesNotContain("s3cret");
        }
        for (String[] args : java.util.List.of(
                new String[] {"whoami", "--token", "s3cret-t1", "--token", "s3cret-t2"},
                new String[] {"whoami", "--token=s3cret-t1", "--token=s3cret-t2"},
                new String[] {"token", "list", "--token", "s3cret-t1", "--bogus"})) {
            Result r = bare(args);
            assertThat(r.code()).as(String.join(" ", args)).isEqualTo(KinkoCli.EXIT_USAGE);
            assertThat(r.err()).as(String.join(" ", args)).startsWith("kinko: ").doesNotContain("s3cret");
        }
    }

    @Test
    void helpOfEveryGroupAndCommand() {
        Result top = bare("--help");
        assertThat(top.code()).isZero();
        assertThat(top.out()).contains("secret").contains("region").contains("cluster").contains("server").contains("dev");
        Result region = bare("region", "--help");
        assertThat(region.code()).isZero();
        assertThat(region.out()).contains("links").contains("promote").contains("failback");
        assertThat(bare("region", "links", "--help").out()).contains("list").contains("add").contains("remove");
        Result create = bare("secret", "create", "--help");
        assertThat(create.code()).isZero();
        assertThat(create.out()).contains("--generate-password").contains("--value-file").contains("--length")
                .contains("The value (exactly one of)");
        // every command answers --help with exit 0, the leaves that talk to a region too
        java.util.List<String[]> paths = new java.util.ArrayList<>();
        collect(new picocli.CommandLine(new KinkoCli()), new java.util.ArrayList<>(), paths);
        assertThat(paths).hasSizeGreaterThan(30);
        for (String[] path : paths) {
            String[] args = java.util.Arrays.copyOf(path, path.length + 1);
            args[path.length] = "--help";
            Result help = bare(args);
            assertThat(help.code()).as(String.join(" ", args) + ": " + help.err()).isZero();
            assertThat(help.out()).as(String.join(" ", args)).startsWith("Usage: kinko");
        }
    }

    /** A command line as typed, with no --addr added. */
    static Result bare(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = KinkoCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    private static void collect(picocli.CommandLine c, java.util.List<String> path, java.util.List<String[]> into) {
        c.getSubcommands().forEach((name, sub) -> {
            if (name.equals("help") || name.equals("generate-completion")) {
                return;
            }
            java.util.List<String> p = new java.util.ArrayList<>(path);
            p.add(name);
            into.add(p.toArray(String[]::new));
            collect(sub, p, into);
        });
    }

    @Test
    void clusterOperations() throws Exception {
        assertThat(parse(kinko("cluster", "snapshot", "--output", "json"), TakeSnapshotResponse.newBuilder())
                .getSnapshotIndex()).isPositive();
        Result rotated = kinko("cluster", "rotate-key");
        assertThat(rotated.code()).isZero();
        assertThat(rotated.out()).contains("region key version");
        Result transferred = kinko("cluster", "transfer-leader");
        assertThat(transferred.code()).isZero();
        assertThat(transferred.out()).startsWith("leader is now tokyo-");
        Result badMember = kinko("cluster", "members", "remove", "tokyo-9");
        assertThat(badMember.code()).isEqualTo(KinkoCli.EXIT_ERROR);
        assertThat(badMember.err()).contains("INVALID_MEMBER");
        assertThat(kinko("generate-completion").out()).contains("kinko");
    }

    @Test
    void backupAndRestoreThroughTheCli() throws Exception {
        assertThat(kinko("secret", "create", "cli/backup/one", "--value", "kept").code()).isZero();
        Path backup = dir.resolve("tokyo.kinko-backup");
        Result saved = kinko("cluster", "snapshot", "--out", backup.toString(), "-o", "json");
        assertThat(saved.code()).as(saved.err()).isZero();
        var summary = new com.fasterxml.jackson.databind.ObjectMapper().readTree(saved.out());
        assertThat(summary.get("region").asText()).isEqualTo("tokyo");
        assertThat(summary.get("index").asLong()).isPositive();
        assertThat(backup).isRegularFile();
        assertThat(backup.resolveSibling(backup.getFileName() + ".partial")).doesNotExist();
        // never over an existing file
        Result again = kinko("cluster", "snapshot", "--out", backup.toString());
        assertThat(again.code()).isEqualTo(KinkoCli.EXIT_ERROR);
        assertThat(again.err()).contains("exists");

        Path node = dir.resolve("restored-1");
        java.nio.file.Files.createDirectories(node);
        java.nio.file.Files.copy(region.config(0).keyFile(), node.resolve("tokyo.key"));
        Path config = node.resolve("node.yaml");
        List<String> lines = new ArrayList<>(List.of("node_id: tokyo-1", "region: tokyo",
                "data_dir: " + node.resolve("data"), "key_file: " + node.resolve("tokyo.key"), "client_port: 1",
                "peers:", "  - id: tokyo-1", "    raft_address: 127.0.0.1:2", "    client_address: 127.0.0.1:1"));
        lines.addAll(TestConfigs.security("tokyo", "tokyo-1", node.resolve("root-token")));
        lines.add("");
        java.nio.file.Files.writeString(config, String.join("\n", lines));
        Result restored = kinko("cluster", "restore", backup.toString(), "--config", config.toString());
        assertThat(restored.code()).as(restored.err()).isZero();
        assertThat(restored.out()).startsWith("restored node tokyo-1 of region tokyo from the backup at index "
                + summary.get("index").asLong());
        Result twice = kinko("cluster", "restore", backup.toString(), "--config", config.toString());
        assertThat(twice.code()).isEqualTo(KinkoCli.EXIT_ERROR);
        assertThat(twice.err()).startsWith("kinko: DATA_DIR_NOT_EMPTY: ").doesNotContain("\n\t");
    }

    @Test
    void keygenMakesAPrivateKeyFileAndNeverOverwritesIt() throws Exception {
        Path key = dir.resolve("keys/osaka.key");
        Result made = kinko("keygen", key.toString());
        assertThat(made.code()).as(made.err()).isZero();
        assertThat(java.nio.file.Files.getPosixFilePermissions(key))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertThat(dev.kinko.server.crypto.MasterKeyFile.load(key)).hasSize(32);
        String before = java.nio.file.Files.readString(key);
        Result again = kinko("keygen", key.toString());
        assertThat(again.code()).isEqualTo(KinkoCli.EXIT_ERROR);
        assertThat(again.err()).contains("never overwritten");
        assertThat(java.nio.file.Files.readString(key)).isEqualTo(before);
        assertThat(made.out() + made.err()).doesNotContain(before.trim().substring("kinko-master-key-v1:".length()));
    }

    private static <B extends com.google.protobuf.Message.Builder> B parse(Result r, B builder) throws Exception {
        assertThat(r.code()).as(r.err()).isZero();
        com.google.protobuf.util.JsonFormat.parser().merge(r.out(), builder);
        return builder;
    }

    @Test
    void clusterStatusShowsEveryNode() {
        Result status = kinko("cluster", "status");
        assertThat(status.code()).isZero();
        assertThat(status.out()).contains("region tokyo").contains("LEADER").contains("FOLLOWER")
                .contains("tokyo-1").contains("tokyo-2").contains("tokyo-3");
        // issue 14: each node's Raft log, database and free bytes, as an operator reads them
        assertThat(status.out()).containsPattern("RAFT LOG +DB +FREE")
                .containsPattern("(?m)^tokyo-1 .* [0-9.]+(B|KiB|MiB) +[0-9.]+(B|KiB|MiB) +[0-9.]+(MiB|GiB|TiB) ");
    }

    @Test
    void bytesReadAsAnOperatorReadsThem() {
        assertThat(ClusterCommand.bytes(0)).isEqualTo("0B");
        assertThat(ClusterCommand.bytes(1023)).isEqualTo("1023B");
        assertThat(ClusterCommand.bytes(1024)).isEqualTo("1.0KiB");
        assertThat(ClusterCommand.bytes(3_565_158)).isEqualTo("3.4MiB");
        assertThat(ClusterCommand.bytes(64L << 30)).isEqualTo("64GiB");
    }
}
