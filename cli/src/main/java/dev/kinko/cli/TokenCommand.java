package dev.kinko.cli;

import dev.kinko.client.KinkoClient;
import dev.kinko.proto.v1.CreateTokenRequest;
import dev.kinko.proto.v1.CreateTokenResponse;
import dev.kinko.proto.v1.ListTokensRequest;
import dev.kinko.proto.v1.ListTokensResponse;
import dev.kinko.proto.v1.RevokeTokenRequest;
import dev.kinko.proto.v1.TokenInfo;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kinko token create|list|revoke} (kinko:ManageTokens). */
@Command(name = "token", description = "Create, list and revoke bearer tokens and access keys.", mixinStandardHelpOptions = true,
        subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class})
final class TokenCommand {
    private static final Pattern TTL = Pattern.compile("(\\d{1,9})([smhd])");

    /** {@code 90s}, {@code 30m}, {@code 24h}, {@code 7d}. */
    static Duration ttl(String text) {
        Matcher m = TTL.matcher(text);
        if (!m.matches()) {
            throw new CliException("--ttl takes a number and a unit: 90s, 30m, 24h or 7d");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    @Command(name = "create", description = {"Create a token carrying the given policies and print it alone on stdout.",
            "It is shown this once: the region keeps only its hash.",
            "With --access-key, an access key for the AWS-compatible endpoint (SigV4) instead: two lines,",
            "AWS_ACCESS_KEY_ID=... and AWS_SECRET_ACCESS_KEY=..., shown this once (the region keeps the",
            "secret sealed by its region key, as SigV4 needs it; the key works in this region only)."})
    static final class Create extends ClientCommand {
        @Option(names = "--policy", required = true, paramLabel = "POLICY", description = "A policy the token carries (repeat for more).")
        List<String> policies;

        @Option(names = "--ttl", paramLabel = "DURATION", description = "Time to live: 90s, 30m, 24h, 7d (default: the server's, 30 days).")
        String ttl;

        @Option(names = "--name", paramLabel = "NAME", defaultValue = "", description = "A name to recognise it by in 'token list'.")
        String name;

        @Option(names = "--access-key", description = "An AWS access key (id and secret) instead of a bearer token.")
        boolean accessKey;

        @Override
        void run(KinkoClient client) {
            long seconds = ttl == null ? 0 : ttl(ttl).toSeconds();
            CreateTokenResponse r = client.access(a -> a.createToken(CreateTokenRequest.newBuilder()
                    .addAllPolicies(policies).setTtlSeconds(seconds).setName(name).setAccessKey(accessKey).build()));
            if (json()) {
                printJson(r);
            } else if (accessKey) {
                // the shape of an env file: eval or source it, or paste it into one
                out().println("AWS_ACCESS_KEY_ID=" + r.getAccessKeyId());
                out().println("AWS_SECRET_ACCESS_KEY=" + r.getSecretAccessKey());
            } else {
                out().println(r.getToken());
            }
        }
    }

    @Command(name = "list", description = {"Tokens and access keys by accessor (never the tokens or secrets themselves).",
            "An access key's accessor is its access key id; it is marked (access key) after its policies."})
    static final class ListTokens extends ClientCommand {
        @Override
        void run(KinkoClient client) {
            ListTokensResponse r = client.access(a -> a.listTokens(ListTokensRequest.getDefaultInstance()));
            if (json()) {
                printJson(r);
                return;
            }
            String format = "%-26s %-20s %-24s %s%n";
            out().printf(format, "ACCESSOR", "NAME", "EXPIRES", "POLICIES");
            for (TokenInfo t : r.getTokensList()) {
                out().printf(format, t.getAccessor(), t.getName(),
                        t.hasExpirationDate() ? Formats.time(t.getExpirationDate()) : "never",
                        (t.getRoot() ? "(root)" : String.join(",", t.getPoliciesList()))
                                + (t.getAccessKey() ? " (access key)" : ""));
            }
        }
    }

    @Command(name = "revoke", description = "Revoke a token (or an access key, by its id) by its accessor; it stops working at once.")
    static final class Revoke extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ACCESSOR")
        String accessor;

        @Override
        void run(KinkoClient client) {
            client.access(a -> a.revokeToken(RevokeTokenRequest.newBuilder().setAccessor(accessor).build()));
            out().println("revoked token " + accessor);
        }
    }
}
