package dev.kinko.cli;

import dev.kinko.client.KinkoClient;
import dev.kinko.client.KinkoClientBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kinko agent}: a local sidecar that serves secrets over the AWS Secrets Manager Agent's
 * HTTP protocol on 127.0.0.1 ({@link Agent}), from a cache ({@link AgentCache}) in front of a
 * Kinko client with one or more regions.
 */
@Command(name = "agent", sortOptions = false,
        description = {"Serve secrets to local applications over the AWS Secrets Manager Agent's protocol:",
                "GET http://127.0.0.1:PORT/secretsmanager/get?secretId=NAME[&versionStage=S|&versionId=V][&refreshNow=true]",
                "with the header X-Aws-Parameters-Secrets-Token: the value of $AWS_TOKEN (see --token-env).",
                "GET /ping answers 'healthy'. The agent reads Kinko as its own identity: --token/$KINKO_TOKEN",
                "or a client certificate (--cert/--key), and fails over between the --region's in order."})
final class AgentCommand implements Callable<Integer> {
    static final String DEFAULT_TOKEN_ENV = "AWS_TOKEN";
    static final String FILE_PREFIX = "file://";
    static final int DEFAULT_TTL_SECONDS = 300;
    static final int DEFAULT_CACHE_SIZE = 1000;
    /** The ARN's region when the agent talks to one unnamed region (--addr). */
    static final String UNNAMED_REGION = "local";

    @Mixin
    Target target;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "" + Agent.DEFAULT_PORT,
            description = "Port on 127.0.0.1 (default: ${DEFAULT-VALUE}, as AWS's agent).")
    int port;

    @Option(names = "--token-env", paramLabel = "NAME", defaultValue = DEFAULT_TOKEN_ENV,
            description = "Environment variable holding the value requests must send in X-Aws-Parameters-Secrets-Token:"
                    + " the value itself, or file://PATH to read it from a file (default: ${DEFAULT-VALUE}).")
    String tokenEnv;

    @Option(names = "--ttl-seconds", paramLabel = "SECONDS", defaultValue = "" + DEFAULT_TTL_SECONDS,
            description = "How long a value is served from the cache before it is read again (ttl_seconds;"
                    + " default: ${DEFAULT-VALUE}). When Kinko cannot be read, the cached value is served longer.")
    int ttlSeconds;

    @Option(names = "--cache-size", paramLabel = "N", defaultValue = "" + DEFAULT_CACHE_SIZE,
            description = "Most cached (secret, stage or version) entries, least recently used dropped first"
                    + " (cache_size; default: ${DEFAULT-VALUE}).")
    int cacheSize;

    @Option(names = "--region", paramLabel = "NAME=HOST:PORT[,HOST:PORT...]",
            description = "A region and its nodes (repeatable, in order of preference: reads fail over to the next"
                    + " when one is unreachable). Instead of --addr.")
    List<String> regions = new ArrayList<>();

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        byte[] token = resolveToken(tokenEnv, System::getenv);
        KinkoClient client = client();
        Agent agent;
        try {
            agent = Agent.start(port, token, cache(client), arnRegion());
        } catch (IOException e) {
            client.close();
            throw new CliException("cannot listen on " + Agent.HOST + ":" + port + ": " + e.getMessage());
        } catch (Exception e) {
            client.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                agent.close();
            } finally {
                client.close();
                stopped.countDown();
            }
        }, "kinko-agent-shutdown"));
        spec.commandLine().getOut().printf("kinko agent: listening on http://%s:%d (regions: %s; ttl %ds, cache %d)%n",
                Agent.HOST, agent.port(), String.join(",", regionNames()), ttlSeconds, cacheSize);
        spec.commandLine().getOut().flush();
        stopped.await();
        return 0;
    }

    AgentCache cache(KinkoClient client) {
        if (ttlSeconds < 1) {
            throw new CliException("--ttl-seconds must be at least 1");
        }
        if (cacheSize < 1) {
            throw new CliException("--cache-size must be at least 1");
        }
        return new AgentCache(client, Duration.ofSeconds(ttlSeconds), cacheSize);
    }

    /** The client: the --region's in order (failover), or the one region of --addr / KINKO_ADDR. */
    KinkoClient client() {
        if (regions.isEmpty()) {
            return target.client();
        }
        if (target.addr != null) {
            throw new CliException("give --addr (one region) or --region NAME=ADDRESSES (each region), not both");
        }
        KinkoClientBuilder b = KinkoClient.builder().deadline(Duration.ofSeconds(target.timeoutSeconds));
        for (String r : regions) {
            int eq = r.indexOf('=');
            if (eq < 1 || eq == r.length() - 1) {
                throw new CliException("--region takes NAME=HOST:PORT[,HOST:PORT...], not " + r);
            }
            try {
                b.region(r.substring(0, eq).strip(), r.substring(eq + 1));
            } catch (IllegalArgumentException e) {
                throw new CliException("--region " + r + ": " + e.getMessage());
            }
        }
        return target.credentials(b).build();
    }

    /** The region named in the ARNs the agent answers: the first --region, else {@value #UNNAMED_REGION}. */
    String arnRegion() {
        return regionNames().get(0);
    }

    private List<String> regionNames() {
        List<String> names = new ArrayList<>();
        for (String r : regions) {
            names.add(r.substring(0, Math.max(0, r.indexOf('='))).strip());
        }
        return names.isEmpty() ? List.of(UNNAMED_REGION) : names;
    }

    /**
     * The value requests must send, from the environment variable {@code name}: the value itself,
     * or {@code file://PATH} for a file that holds it (its surrounding white space dropped), as the
     * AWS agent's ssrf_env_variables.
     */
    static byte[] resolveToken(String name, Function<String, String> env) {
        String value = env.apply(name);
        if (value == null || value.isBlank()) {
            throw new CliException("set " + name + " to the value requests must send in " + Agent.TOKEN_HEADER
                    + " (the value, or " + FILE_PREFIX + "PATH), or name another variable with --token-env");
        }
        if (value.startsWith(FILE_PREFIX)) {
            Path file = Path.of(value.substring(FILE_PREFIX.length()));
            try {
                value = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new CliException("cannot read the agent's token file " + file + " (from " + name + "): " + e);
            }
            if (value.isBlank()) {
                throw new CliException("the agent's token file " + file + " (from " + name + ") is empty");
            }
        }
        return value.strip().getBytes(StandardCharsets.UTF_8);
    }
}
