package dev.kinko.server.api.aws;

import dev.kinko.server.crypto.Sha256;
import dev.kinko.server.domain.StateReader;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * AWS's secret ARNs, {@code arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 chars>}:
 * the suffix is derived from the secret's id, so it is the same on every node and changes when a
 * secret of the same name is made again. A full ARN, a partial ARN (no suffix) and a name resolve.
 */
public final class AwsArns {
    static final String PREFIX = "arn:aws:secretsmanager:";
    private static final String SECRET = ":secret:";
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    static final int SUFFIX_LENGTH = 6;
    private static final Pattern SUFFIXED = Pattern.compile("(.+)-([A-Za-z0-9]{" + SUFFIX_LENGTH + "})");

    private final String region;
    private final String account;
    private final StateReader state;

    public AwsArns(String region, String account, StateReader state) {
        this.region = region;
        this.account = account;
        this.state = state;
    }

    String of(String secretId, String name) {
        return PREFIX + region + ":" + account + SECRET + name + "-" + suffix(secretId);
    }

    public static String suffix(String secretId) {
        byte[] h = Sha256.of(secretId.getBytes(StandardCharsets.UTF_8));
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < SUFFIX_LENGTH; i++) {
            s.append(ALPHABET.charAt((h[i] & 0xff) % ALPHABET.length()));
        }
        return s.toString();
    }

    /** What the gRPC API takes as secret_id for an AWS SecretId: a name (or id), from an ARN too. */
    String secretRef(String secretId) {
        if (!secretId.startsWith("arn:")) {
            return secretId;
        }
        int at = secretId.indexOf(SECRET);
        if (at < 0) {
            return secretId; // not a secret's ARN: refused as a secret that does not exist
        }
        String tail = secretId.substring(at + SECRET.length());
        if (state.idByName(tail).isPresent()) {
            return tail; // a partial ARN
        }
        Matcher m = SUFFIXED.matcher(tail);
        if (m.matches()) {
            Optional<String> id = state.idByName(m.group(1));
            if (id.isPresent() && suffix(id.get()).equals(m.group(2))) {
                return m.group(1);
            }
        }
        return tail;
    }
}
