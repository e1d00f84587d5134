package dev.kinko.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.kinko.client.KinkoClient;
import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.server.testing.Ports;
import dev.kinko.server.testing.TestRegion;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code kinko agent}: the AWS Secrets Manager Agent's protocol, with the real curl and with Java's HTTP client. */
class AgentTest {
    private static final String CURL = "/usr/bin/curl";
    private static final String TOKEN = "agent-test-token-" + KinkoClient.newToken();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CURL_DEADLINE = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    /** An agent as `kinko agent ARGS` builds it, on a free port, wanting {@link #TOKEN}; closed with its client. */
    record Running(Agent agent, KinkoClient client) implements AutoCloseable {
        @Override
        public void close() {
            try {
                agent.close();
            } finally {
                client.close();
            }
        }
    }

    private static Running start(String... args) throws Exception {
        AgentCommand command = new AgentCommand();
        List<String> all = new ArrayList<>(List.of("--port", Integer.toString(Ports.free())));
        all.addAll(List.of(args));
        new CommandLine(command).parseArgs(all.toArray(String[]::new));
        KinkoClient client = command.client();
        try {
            return new Running(Agent.start(command.port, TOKEN.getBytes(StandardCharsets.UTF_8), command.cache(client),
                    command.arnRegion()), client);
        } catch (Exception e) {
            client.close();
            throw e;
        }
    }

    private static KinkoClient client(TestRegion region) {
        return KinkoClient.builder().addresses(region.addresses()).tls(region.caFile()).token(region.rootToken()).build();
    }

    record Reply(int status, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    /** The real curl: GET the agent's URL, with the token header when {@code token} is not null. */
    private static Reply curl(Agent agent, String pathAndQuery, String token) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(CURL, "-sS", "--max-time", Long.toString(CURL_DEADLINE.toSeconds() - 5),
                "-w", "\n%{http_code}"));
        if (token != null) {
            cmd.addAll(List.of("-H", Agent.TOKEN_HEADER + ": " + token));
        }
        cmd.add("http://127.0.0.1:" + agent.port() + pathAndQuery);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            assertThat(p.waitFor(CURL_DEADLINE.toSeconds(), TimeUnit.SECONDS)).as("curl ended").isTrue();
            String text = new String(out, StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(text).isZero();
            int nl = text.lastIndexOf('\n');
            return new Reply(Integer.parseInt(text.substring(nl + 1).strip()), text.substring(0, nl));
        } finally {
            p.destroyForcibly();
        }
    }

    private static String get(String secretId) {
        return "/secretsmanager/get?secretId=" + URLEncoder.encode(secretId, StandardCharsets.UTF_8);
    }

    @Test
    void curlNeedsTheTokenIsServedFromTheCacheAndFailsOverToTheReplicaWhenThePrimaryStops() throws Exception {
        assertThat(Path.of(CURL)).isExecutable();
        try (TestRegion osaka = TestRegion.builder("osaka", dir).size(1).start();
             TestRegion tokyo = TestRegion.builder("tokyo", dir).size(1).link(osaka).start();
             KinkoClient admin = client(tokyo);
             KinkoClient osakaReader = client(osaka)) {
            admin.createSecret(CreateSecretRequest.newBuilder().setName("app/db").setSecretString("v1")
                    .addAddReplicaRegions("osaka").build());
            admin.createSecret(CreateSecretRequest.newBuilder().setName("app/api-key").setSecretString("k1")
                    .addAddReplicaRegions("osaka").build());
            try (Running running = start("--region", "tokyo=" + tokyo.addresses(), "--region", "osaka=" + osaka.addresses(),
                    "--cacert", tokyo.caFile().toString(), "--token", tokyo.rootToken(), "--timeout", "5")) {
                Agent agent = running.agent();
                // no header, or a wrong one: refused before Kinko is asked
                Reply none = curl(agent, get("app/db"), null);
                assertThat(none.status()).isEqualTo(403);
                assertThat(none.json().get("__type").asText()).isEqualTo("AccessDeniedException");
                assertThat(curl(agent, get("app/db"), TOKEN + "x").status()).isEqualTo(403);
                assertThat(agent.cache().fetches()).isZero();

                Reply first = curl(agent, get("app/db"), TOKEN);
                assertThat(first.status()).as(first.body()).isEqualTo(200);
                JsonNode v1 = first.json();
                assertThat(v1.get("SecretString").asText()).isEqualTo("v1");
                assertThat(v1.get("Name").asText()).isEqualTo("app/db");
                assertThat(v1.get("ARN").asText()).isEqualTo("arn:kinko:secretsmanager:tokyo:000000000000:secret:app/db");
                assertThat(v1.get("VersionStages")).extracting(JsonNode::asText).containsExactly("AWSCURRENT");
                assertThat(v1.get("CreatedDate").isNumber()).isTrue();
                assertThat(agent.cache().fetches()).isEqualTo(1);

                // the second call comes from the cache, even after the secret changed in Kinko
                admin.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("app/db").setSecretString("v2").build());
                Reply second = curl(agent, get("app/db"), TOKEN);
                assertThat(second.json().get("SecretString").asText()).isEqualTo("v1");
                assertThat(second.json().get("VersionId").asText()).isEqualTo(v1.get("VersionId").asText());
                assertThat(agent.cache().fetches()).isEqualTo(1);
                assertThat(agent.cache().hits()).isEqualTo(1);

                // refreshNow=true reads Kinko again
                Reply refreshed = curl(agent, get("app/db") + "&refreshNow=true", TOKEN);
                assertThat(refreshed.json().get("SecretString").asText()).isEqualTo("v2");
                assertThat(agent.cache().fetches()).isEqualTo(2);

                // the primary stops: a cached secret (read again with refreshNow) and one never read
                // before are both served, from osaka's replica or the cache
                await().atMost(TestRegion.SETTLE).until(() -> osakaReader.getSecretValue(GetSecretValueRequest.newBuilder()
                        .setSecretId("app/db").build()).getSecretString().equals("v2"));
                await().atMost(TestRegion.SETTLE).until(() -> osakaReader.getSecretValue(GetSecretValueRequest.newBuilder()
                        .setSecretId("app/api-key").build()).getSecretString().equals("k1"));
                for (int i = 0; i < tokyo.size(); i++) {
                    tokyo.stopNode(i);
                }
                Reply afterStop = curl(agent, get("app/db") + "&refreshNow=true", TOKEN);
                assertThat(afterStop.status()).as(afterStop.body()).isEqualTo(200);
                assertThat(afterStop.json().get("SecretString").asText()).isEqualTo("v2");
                Reply replicaOnly = curl(agent, get("app/api-key"), TOKEN);
                assertThat(replicaOnly.status()).as(replicaOnly.body()).isEqualTo(200);
                assertThat(replicaOnly.json().get("SecretString").asText()).isEqualTo("k1");

                // no region left: the cached value is served stale; what was never cached is an InternalServiceError
                for (int i = 0; i < osaka.size(); i++) {
                    osaka.stopNode(i);
                }
                Reply stale = curl(agent, get("app/db") + "&refreshNow=true", TOKEN);
                assertThat(stale.status()).as(stale.body()).isEqualTo(200);
                assertThat(stale.json().get("SecretString").asText()).isEqualTo("v2");
                assertThat(agent.cache().staleServed()).isEqualTo(1);
                Reply nothing = curl(agent, get("app/never-read"), TOKEN);
                assertThat(nothing.status()).as(nothing.body()).isEqualTo(500);
                assertThat(nothing.json().get("__type").asText()).isEqualTo("InternalServiceError");
            }
        }
    }

    @Test
    void errorShapesStagesVersionsAndBinaryValuesOverJavasHttpClient() throws Exception {
        try (TestRegion tokyo = TestRegion.builder("tokyo", dir).size(1).start();
             KinkoClient admin = client(tokyo)) {
            admin.createSecret(CreateSecretRequest.newBuilder().setName("app/cert")
                    .setSecretBinary(ByteString.copyFrom(new byte[] {0, 1, 2, (byte) 0xff})).build());
            admin.createSecret(CreateSecretRequest.newBuilder().setName("app/db").setSecretString("one").build());
            String secondVersion = admin.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("app/db")
                    .setSecretString("two").build()).getVersionId();
            try (Running running = start("--addr", tokyo.addresses(), "--cacert", tokyo.caFile().toString(),
                    "--token", tokyo.rootToken(), "--ttl-seconds", "60", "--cache-size", "10")) {
                Agent agent = running.agent();
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
                HttpResponse<String> ping = send(http, agent, "/ping", null, "GET");
                assertThat(ping.statusCode()).isEqualTo(200);
                assertThat(ping.body()).isEqualTo("healthy");

                assertError(send(http, agent, get("app/db"), null, "GET"), 403, "AccessDeniedException");
                assertError(send(http, agent, get("app/db"), "", "GET"), 403, "AccessDeniedException");
                assertError(send(http, agent, get("app/missing"), TOKEN, "GET"), 400, "ResourceNotFoundException");
                assertError(send(http, agent, get("app/db") + "&versionStage=AWSCURRENT&versionId=" + secondVersion,
                        TOKEN, "GET"), 400, "InvalidParameterException");
                assertError(send(http, agent, "/secretsmanager/get", TOKEN, "GET"), 400, "InvalidParameterException");
                assertError(send(http, agent, get("app/db") + "&colour=blue", TOKEN, "GET"), 400, "InvalidParameterException");
                assertError(send(http, agent, get("app/db") + "&refreshNow=soon", TOKEN, "GET"), 400, "InvalidParameterException");
                assertError(send(http, agent, get("app/db") + "&versionStage=NOPE", TOKEN, "GET"), 400,
                        "ResourceNotFoundException");
                assertError(send(http, agent, get("x".repeat(Agent.MAX_SECRET_ID_CHARS + 1)), TOKEN, "GET"), 400,
                        "InvalidParameterException");
                assertError(send(http, agent, get("app/db"), TOKEN, "POST"), 405, "MethodNotAllowedException");
                assertError(send(http, agent, "/secretsmanager/put", TOKEN, "GET"), 404, "NotFoundException");
                // a request line or headers beyond the limit are refused by Jetty itself
                assertThat(send(http, agent, get("y".repeat(Agent.MAX_REQUEST_HEADER_BYTES)), TOKEN, "GET").statusCode())
                        .isEqualTo(414);
                assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.port() + get("app/db")))
                        .header(Agent.TOKEN_HEADER, TOKEN).header("X-Padding", "z".repeat(Agent.MAX_REQUEST_HEADER_BYTES))
                        .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(431);

                JsonNode current = JSON.readTree(send(http, agent, get("app/db") + "&versionStage=AWSCURRENT", TOKEN, "GET").body());
                assertThat(current.get("SecretString").asText()).isEqualTo("two");
                assertThat(current.get("VersionId").asText()).isEqualTo(secondVersion);
                JsonNode previous = JSON.readTree(send(http, agent, get("app/db") + "&versionStage=AWSPREVIOUS", TOKEN, "GET").body());
                assertThat(previous.get("SecretString").asText()).isEqualTo("one");
                assertThat(previous.get("VersionStages")).extracting(JsonNode::asText).containsExactly("AWSPREVIOUS");
                JsonNode byId = JSON.readTree(send(http, agent, get("app/db") + "&versionId=" + previous.get("VersionId").asText(),
                        TOKEN, "GET").body());
                assertThat(byId.get("SecretString").asText()).isEqualTo("one");

                HttpResponse<String> binary = send(http, agent, get("app/cert"), TOKEN, "GET");
                assertThat(binary.statusCode()).isEqualTo(200);
                assertThat(binary.headers().firstValue("Content-Type")).hasValue("application/json");
                JsonNode cert = JSON.readTree(binary.body());
                assertThat(cert.has("SecretString")).isFalse();
                assertThat(Base64.getDecoder().decode(cert.get("SecretBinary").asText())).containsExactly(0, 1, 2, 0xff);
                assertThat(cert.get("CreatedDate").decimalValue().longValue())
                        .isBetween(System.currentTimeMillis() / 1000 - 600, System.currentTimeMillis() / 1000 + 600);
                assertThat(binary.body()).doesNotContain("E9"); // epoch seconds written plainly
            }
        }
    }

    @Test
    void kinkoUnreachableWithNothingCachedIsAnInternalServiceError() throws Exception {
        int nobody = Ports.free();
        try (Running running = start("--addr", "127.0.0.1:" + nobody, "--timeout", "1")) {
            Agent agent = running.agent();
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            assertError(send(http, agent, get("app/db"), TOKEN, "GET"), 500, "InternalServiceError");
            assertThat(agent.cache().size()).isZero();
        }
    }

    @Test
    void theTokenComesFromTheNamedVariableOrTheFileItNames() throws Exception {
        assertThat(AgentCommand.resolveToken("AWS_TOKEN", Map.of("AWS_TOKEN", "abc")::get))
                .isEqualTo("abc".getBytes(StandardCharsets.UTF_8));
        Path file = Files.writeString(dir.resolve("token"), "from-file\n");
        assertThat(AgentCommand.resolveToken("MY_TOKEN", Map.of("MY_TOKEN", "file://" + file)::get))
                .isEqualTo("from-file".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> AgentCommand.resolveToken("AWS_TOKEN", Map.<String, String>of()::get))
                .isInstanceOf(CliException.class).hasMessageContaining("set AWS_TOKEN");
        assertThatThrownBy(() -> AgentCommand.resolveToken("T", Map.of("T", "file://" + dir.resolve("absent"))::get))
                .isInstanceOf(CliException.class).hasMessageContaining("cannot read");

        // the command line: an unset variable is a one-line error before anything listens
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = KinkoCli.run(new String[] {"agent", "--token-env", "KINKO_AGENT_TEST_SURELY_UNSET", "--addr", "127.0.0.1:1"},
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(code).isEqualTo(KinkoCli.EXIT_ERROR);
        assertThat(err.toString()).startsWith("kinko: set KINKO_AGENT_TEST_SURELY_UNSET to the value");

        StringWriter help = new StringWriter();
        assertThat(KinkoCli.run(new String[] {"agent", "--help"}, new PrintWriter(help, true), new PrintWriter(err, true)))
                .isZero();
        assertThat(help.toString()).startsWith("Usage: kinko agent").contains("--token-env", "--ttl-seconds",
                "--cache-size", "--region", "--port");

        AgentCommand defaults = new AgentCommand();
        new CommandLine(defaults).parseArgs();
        assertThat(defaults.port).isEqualTo(2773);
        assertThat(defaults.tokenEnv).isEqualTo("AWS_TOKEN");
        assertThat(defaults.ttlSeconds).isEqualTo(300);
        assertThat(defaults.cacheSize).isEqualTo(1000);
    }

    private static HttpResponse<String> send(HttpClient http, Agent agent, String pathAndQuery, String token, String method)
            throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.port() + pathAndQuery))
                .timeout(Duration.ofSeconds(60)).method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            r.header(Agent.TOKEN_HEADER, token);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertError(HttpResponse<String> response, int status, String type) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("__type").asText()).isEqualTo(type);
        assertThat(body.get("message").asText()).isNotBlank();
        assertThat(response.headers().firstValue("X-Amzn-ErrorType")).hasValue(type);
    }
}
