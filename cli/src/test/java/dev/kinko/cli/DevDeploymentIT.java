package dev.kinko.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kinko dev} as a user runs it: the packaged jar, real node processes,
 * the env file, the CLI pointed at it through KINKO_ADDR, a clean stop on
 * SIGTERM, and a second start that reuses the data.
 */
class DevDeploymentIT {
    static final Duration START_WITHIN = Duration.ofSeconds(150);

    @TempDir
    Path dir;

    final Path jar = Path.of(System.getProperty("kinko.jar", "target/kinko.jar"));

    @Test
    void devStartsARegionTheCliCanUseAndStopsCleanly() throws Exception {
        int clientPort = freeBase();
        Path data = dir.resolve("dev");

        Process dev = startDev(data, clientPort);
        try {
            Path env = data.resolve("tokyo.env");
            Map<String, String> environment = envFile(env);
            assertThat(environment).containsEntry("KINKO_ADDR", "127.0.0.1:" + clientPort + ",127.0.0.1:"
                    + (clientPort + 1) + ",127.0.0.1:" + (clientPort + 2)).containsEntry("KINKO_CACERT",
                    data.resolve("pki").resolve("ca.crt").toString()).containsKey("KINKO_TOKEN");
            // it holds the root token: only its owner may read it
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(env)))
                    .isEqualTo("rw-------");
            // without the token nothing gets through
            Map<String, String> anonymous = new java.util.HashMap<>(environment);
            anonymous.remove("KINKO_TOKEN");
            Result refused = cli(anonymous, "secret", "get", "dev/none");
            assertThat(refused.code()).isEqualTo(1);
            assertThat(refused.err().trim()).startsWith("kinko: UNAUTHENTICATED");
            assertThat(cli(environment, "secret", "create", "dev/api-key", "--value", "k1nk0",
                    "--replica-region", "osaka").code()).isZero();
            Result got = cli(environment, "secret", "get", "dev/api-key");
            assertThat(got.code()).isZero();
            assertThat(got.out()).isEqualTo("k1nk0\n");
            // the env file is all the AWS CLI needs
            assertThat(environment).containsKeys("KINKO_AWS_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
                    .containsEntry("AWS_DEFAULT_REGION", "tokyo").containsEntry("AWS_CA_BUNDLE",
                            data.resolve("pki").resolve("ca.crt").toString());
            ProcessBuilder aws = new ProcessBuilder("aws", "--endpoint-url", environment.get("KINKO_AWS_ENDPOINT"),
                    "secretsmanager", "get-secret-value", "--secret-id", "dev/api-key", "--query", "SecretString",
                    "--output", "text").redirectErrorStream(true);
            aws.environment().putAll(environment);
            aws.environment().put("AWS_CONFIG_FILE", dir.resolve("no-aws-config").toString());
            aws.environment().put("AWS_SHARED_CREDENTIALS_FILE", dir.resolve("no-aws-credentials").toString());
            Process awsCli = aws.start();
            String awsOut = new String(awsCli.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(awsCli.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(awsOut).as("aws secretsmanager get-secret-value").isEqualTo("k1nk0\n");
            Result missing = cli(environment, "secret", "get", "dev/none");
            assertThat(missing.code()).isEqualTo(1);
            assertThat(missing.err().trim()).startsWith("kinko: SECRET_NOT_FOUND");

            // the second region, linked tokyo -> osaka, holds the replica
            Map<String, String> osaka = envFile(data.resolve("osaka.env"));
            assertThat(osaka.get("KINKO_ADDR")).startsWith("127.0.0.1:" + (clientPort + 100));
            await().atMost(Duration.ofSeconds(60)).until(() -> cli(osaka, "secret", "get", "dev/api-key").out()
                    .equals("k1nk0\n"));
            Result readOnly = cli(osaka, "secret", "put", "dev/api-key", "--value", "x");
            assertThat(readOnly.code()).isEqualTo(1);
            assertThat(readOnly.err()).contains("REPLICA_READ_ONLY").contains("tokyo");
            assertThat(cli(environment, "region", "status").out()).contains("link to osaka");
        } finally {
            stop(dev);
        }
        // a stop by SIGTERM ends with the JVM's conventional 143 (128 + 15) after the hooks ran
        assertThat(dev.exitValue()).isIn(0, 143);
        // every node process is gone with it: the ports are free again
        await().atMost(Duration.ofSeconds(30)).until(() -> portsFree(clientPort));

        Process again = startDev(data, clientPort);
        try {
            Map<String, String> environment = new java.util.HashMap<>(envFile(data.resolve("tokyo.env")));
            environment.put("KINKO_ADDR", "127.0.0.1:" + clientPort);
            assertThat(cli(environment, "secret", "get", "dev/api-key").out()).isEqualTo("k1nk0\n");
        } finally {
            stop(again);
        }
    }

    /** KEY=VALUE lines, as 'set -a; . FILE; set +a' reads them. */
    static Map<String, String> envFile(Path file) throws IOException {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                env.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return env;
    }

    private Process startDev(Path data, int clientPort) throws IOException, InterruptedException {
        Process dev = new ProcessBuilder("java", "-XX:TieredStopAtLevel=1", "-jar", jar.toString(), "dev",
                "--data", data.toString(), "--client-port", String.valueOf(clientPort))
                .redirectErrorStream(true).start();
        List<String> lines = ProcessLines.collect(dev);
        try {
            // the banner's last line: the lines before it (the regions' addresses) are all read by then
            await().atMost(START_WITHIN).until(() -> !dev.isAlive() || lines.contains("Stop with Ctrl-C."));
            assertThat(dev.isAlive()).as("kinko dev output: %s", lines).isTrue();
            assertThat(lines).anyMatch(l -> l.contains("region tokyo: 127.0.0.1:" + clientPort));
            return dev;
        } catch (AssertionError | RuntimeException e) {
            stop(dev); // a failed start must not leave its nodes running
            throw e;
        }
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy(); // SIGTERM, as Ctrl-C or systemd would
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }

    record Result(int code, String out, String err) {}

    private Result cli(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("java", "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** A first client port such that the client and Raft ports of both regions are free. */
    private static int freeBase() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(20_000, 28_000);
            if (portsFree(base)) {
                return base;
            }
        }
        throw new IllegalStateException("no free port range found");
    }

    private static boolean portsFree(int base) {
        for (int i = 0; i < 3; i++) {
            for (int port : new int[] {base + i, base + i + DevCommand.RAFT_PORT_OFFSET, base + 100 + i,
                    base + 100 + i + DevCommand.RAFT_PORT_OFFSET}) {
                try (ServerSocket s = new ServerSocket(port)) {
                    s.setReuseAddress(true);
                } catch (IOException e) {
                    return false;
                }
            }
        }
        return true;
    }
}
