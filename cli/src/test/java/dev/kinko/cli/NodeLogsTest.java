package dev.kinko.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kinko.client.KinkoClient;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.GetClusterStatusRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.server.testing.Ports;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** How node processes log: JSON lines with --log-format json, the Ratis level, never a secret value. */
class NodeLogsTest {
    /** A bound for a broken start, not a measure of speed. */
    static final Duration START_WITHIN = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void serverWithLogFormatJsonWritesOneJsonObjectPerLineAndNoSecretValue() throws Exception {
        int clientPort = Ports.free();
        Path config = dir.resolve("solo-1.yaml");
        List<String> lines = new java.util.ArrayList<>(List.of(
                "node_id: solo-1", "region: solo", "data_dir: " + dir.resolve("data"),
                "key_file: " + dir.resolve("solo.key"), "listen_host: 127.0.0.1", "client_port: " + clientPort,
                "peers:", "  - id: solo-1", "    raft_address: 127.0.0.1:" + Ports.free(),
                "    client_address: 127.0.0.1:" + clientPort));
        lines.addAll(TestConfigs.security("solo", "solo-1", dir.resolve("root-token")));
        lines.add("");
        Files.writeString(config, String.join("\n", lines));
        dev.kinko.server.crypto.MasterKeyFile.generate(dir.resolve("solo.key"));
        String rootToken = dev.kinko.server.crypto.AccessTokens.issue().token();
        Files.writeString(dir.resolve("root-token"), rootToken + "\n"); // the first leader takes it
        Files.setPosixFilePermissions(dir.resolve("root-token"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        String java = ProcessHandle.current().info().command().orElse("java");
        Process node = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                KinkoCli.class.getName(), "server", "--config", config.toString(),
                "--log-format", "json", "--log-level-ratis", "INFO").start();
        Drain stdout = drain(node.getInputStream());
        Drain stderr = drain(node.getErrorStream());
        List<String> out = stdout.lines();
        List<String> err = stderr.lines();
        String value = "never-logged-" + UUID.randomUUID();
        try {
            await().atMost(START_WITHIN).pollInterval(Duration.ofMillis(100))
                    .failFast("the node exited", () -> assertThat(node.isAlive()).as("node alive; out %s err %s", out, err).isTrue())
                    .until(() -> out.stream().anyMatch(l -> l.contains("serving on")));
            try (KinkoClient client = KinkoClient.builder().addresses("127.0.0.1:" + clientPort)
                    .tls(dev.kinko.server.testing.TestPki.caFile()).token(rootToken)
                    .deadline(Duration.ofSeconds(5)).build()) {
                await().atMost(START_WITHIN).ignoreExceptions().until(() -> !client.admin(a -> a.getClusterStatus(
                        GetClusterStatusRequest.getDefaultInstance())).getLeaderId().isEmpty());
                client.createSecret(CreateSecretRequest.newBuilder().setName("logs/one").setSecretString(value).build());
                assertThat(client.secrets(s -> s.getSecretValue(GetSecretValueRequest.newBuilder()
                        .setSecretId("logs/one").build())).getSecretString()).isEqualTo(value);
            }
        } finally {
            node.destroy();
            if (!node.waitFor(30, TimeUnit.SECONDS)) {
                node.destroyForcibly();
            }
            stdout.thread().join(TimeUnit.SECONDS.toMillis(10));
            stderr.thread().join(TimeUnit.SECONDS.toMillis(10));
        }

        assertThat(out).isNotEmpty();
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> events = new ArrayList<>();
        for (String line : out) {
            JsonNode event = json.readTree(line);
            assertThat(event.isObject()).as(line).isTrue();
            assertThat(event.path("level").asText()).as(line).isIn("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
            assertThat(event.path("loggerName").asText()).as(line).isNotEmpty();
            assertThat(event.has("message")).as(line).isTrue();
            events.add(event);
        }
        assertThat(events).anySatisfy(e -> {
            assertThat(e.get("loggerName").asText()).startsWith("dev.kinko.");
            assertThat(e.get("formattedMessage").asText()).contains("node solo-1 of region solo serving on 127.0.0.1:"
                    + clientPort);
        });
        // --log-level-ratis INFO lets Ratis's start-up lines through (WARN, the default, keeps them out)
        assertThat(events).anySatisfy(e -> {
            assertThat(e.get("loggerName").asText()).startsWith("org.apache.ratis.");
            assertThat(e.get("level").asText()).isEqualTo("INFO");
        });
        assertThat(String.join("\n", out)).doesNotContain(value);
        assertThat(String.join("\n", err)).doesNotContain(value);
    }

    @Test
    void devPassesItsLogOptionsToEveryNode() {
        DevCommand dev = new DevCommand();
        new CommandLine(dev).parseArgs("--log-format", "json", "--log-level-ratis", "debug");
        List<String> command = dev.nodeCommand(dir.resolve("tokyo-1.yaml"));
        assertThat(command).containsSequence("server", "--config", dir.resolve("tokyo-1.yaml").toString())
                .containsSequence("--log-format", "json", "--log-level-ratis", "DEBUG");

        DevCommand plain = new DevCommand();
        new CommandLine(plain).parseArgs();
        assertThat(plain.nodeCommand(dir.resolve("tokyo-1.yaml")))
                .containsSequence("--log-format", "text", "--log-level-ratis", "WARN");
    }

    @Test
    void badLogOptionsAreUsageErrors() {
        assertThat(KinkoCliTest.bare("server", "--config", "x.yaml", "--log-format", "xml").code())
                .isEqualTo(KinkoCli.EXIT_USAGE);
        KinkoCliTest.Result level = KinkoCliTest.bare("server", "--config", "x.yaml", "--log-level-ratis", "LOUD");
        assertThat(level.code()).isEqualTo(KinkoCli.EXIT_USAGE);
        assertThat(level.err()).contains("'LOUD' is not a level");
    }

    record Drain(List<String> lines, Thread thread) {}

    /** Every line of a stream, collected by a daemon thread as it comes. */
    private static Drain drain(InputStream stream) {
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    lines.add(line);
                }
            } catch (IOException ended) {
                // the process is gone
            }
        }, "drain");
        t.setDaemon(true);
        t.start();
        return new Drain(lines, t);
    }
}
