package dev.kinko.example.rotator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where the rotator connects and as whom. From the command line or the environment, as the
 * {@code kinko} CLI takes them: {@code --addr}/KINKO_ADDR (every node of the primary region),
 * {@code --cacert}/KINKO_CACERT, the token from KINKO_TOKEN or {@code --token-file} (never a
 * flag: a flag shows in the process list), and {@code --name}/KINKO_ROTATOR_NAME, the NAME in
 * the secrets' rotator {@code external:NAME}.
 */
public record RotatorConfig(List<String> addresses, Path caFile, String token, String name) {
    public static final String DEFAULT_NAME = "example";
    static final String USAGE = "usage: kinko-rotator-example [--addr host:port,...] [--cacert FILE]"
            + " [--token-file FILE] [--name NAME]\n"
            + "  defaults: $KINKO_ADDR, $KINKO_CACERT, $KINKO_TOKEN, $KINKO_ROTATOR_NAME or \"" + DEFAULT_NAME + "\"";

    public RotatorConfig {
        addresses = List.copyOf(addresses);
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("no node address: give --addr or KINKO_ADDR");
        }
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("no token: set KINKO_TOKEN or give --token-file");
        }
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("no rotator name");
        }
    }

    /** Flags first, then the environment. */
    public static RotatorConfig parse(String[] args, Map<String, String> env) throws IOException {
        String addr = env.get("KINKO_ADDR");
        String ca = env.get("KINKO_CACERT");
        String token = env.get("KINKO_TOKEN");
        String name = env.getOrDefault("KINKO_ROTATOR_NAME", DEFAULT_NAME);
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (value == null) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            switch (args[i++]) {
                case "--addr" -> addr = value;
                case "--cacert" -> ca = value;
                case "--token-file" -> token = Files.readString(Path.of(value)).strip();
                case "--name" -> name = value;
                default -> throw new IllegalArgumentException("unknown option " + args[i - 1]);
            }
        }
        List<String> addresses = new ArrayList<>();
        if (addr != null) {
            for (String a : addr.split(",")) {
                if (!a.isBlank()) {
                    addresses.add(a.trim());
                }
            }
        }
        return new RotatorConfig(addresses, ca == null || ca.isBlank() ? null : Path.of(ca), token, name);
    }

    /** The secrets' rotator field for this rotator. */
    public String rotator() {
        return "external:" + name;
    }

    @Override
    public String toString() {
        return "RotatorConfig[" + rotator() + " on " + addresses + ", CA " + caFile + "]"; // never the token
    }
}
