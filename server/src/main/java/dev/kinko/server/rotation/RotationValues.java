package dev.kinko.server.rotation;

import dev.kinko.proto.raft.v1.RotationRecord;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.server.crypto.EnvelopeCipher;
import dev.kinko.server.domain.PasswordGenerator;
import dev.kinko.server.domain.Stages;
import dev.kinko.server.domain.StateQueries;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Opens the values a rotation step needs, on the leader and in memory only: the secret's
 * CURRENT, the rotation's own version (PENDING), PREVIOUS, the versions earlier attempts made,
 * and another secret's CURRENT (a superuser secret), found by name, id or ARN.
 */
final class RotationValues {
    /** A secret named by ARN: everything after this marker is its name (Kinko's or AWS's ARNs). */
    private static final String ARN_NAME_MARKER = ":secret:";

    private final StateQueries state;
    private final EnvelopeCipher cipher;
    private final PasswordGenerator passwords = new PasswordGenerator();

    RotationValues(StateQueries state, EnvelopeCipher cipher) {
        this.state = state;
        this.cipher = cipher;
    }

    RotationContext context(SecretRecord secret, RotationRecord r) {
        List<String> earlier = new ArrayList<>();
        for (int i = r.getEarlierTokensCount() - 1; i >= 0; i--) {
            byVersion(secret.getId(), r.getEarlierTokens(i)).ifPresent(earlier::add);
        }
        return new RotationContext(secret.getName(), byLabel(secret.getId(), Stages.CURRENT).orElse(null),
                byVersion(secret.getId(), r.getToken()).orElse(null), byLabel(secret.getId(), Stages.PREVIOUS).orElse(null),
                earlier, PasswordGenerator.Options.of(r.getPasswordOptions()), passwords,
                ref -> otherSecret(ref, r.getMasterSecretId()));
    }

    /**
     * Another secret's CURRENT, only if it is the one RotateSecret's caller was allowed to read:
     * CURRENT of the rotated secret names it, and whoever may put a value must not be able to make
     * the rotator read (and send to a server of their choice) a secret they may not read.
     */
    private Optional<String> otherSecret(String nameOrArn, String allowedId) throws RotationException {
        Optional<SecretRecord> secret = resolve(nameOrArn);
        if (secret.isPresent() && !secret.get().getId().equals(allowedId)) {
            throw new RotationException("the secret " + nameOrArn + " is not the one RotateSecret was allowed to"
                    + " read for this rotation; call RotateSecret again (its caller needs GetSecretValue on it)");
        }
        return secret.flatMap(s -> byLabel(s.getId(), Stages.CURRENT));
    }

    /** A secret by name, id or ARN (Kinko's, or AWS's with its random suffix). */
    Optional<SecretRecord> resolve(String nameOrArn) {
        int marker = nameOrArn.startsWith("arn:") ? nameOrArn.indexOf(ARN_NAME_MARKER) : -1;
        String name = marker < 0 ? nameOrArn : nameOrArn.substring(marker + ARN_NAME_MARKER.length());
        Optional<SecretRecord> secret = state.resolveHeader(name);
        if (secret.isEmpty() && marker >= 0 && name.matches(".*-[A-Za-z0-9]{6}")) {
            secret = state.resolveHeader(name.substring(0, name.length() - 7)); // AWS's random suffix
        }
        return secret;
    }

    private Optional<String> byLabel(String secretId, String label) {
        return state.versionByLabel(secretId, label).flatMap(v -> byVersion(secretId, v.getVersionId()));
    }

    private Optional<String> byVersion(String secretId, String versionId) {
        if (versionId.isEmpty()) {
            return Optional.empty();
        }
        Optional<SealedValue> sealed = state.value(secretId, versionId);
        if (sealed.isEmpty() || sealed.get().getBinary()) {
            return Optional.empty(); // built-in rotators work on strings; a binary value is treated as absent
        }
        return Optional.of(new String(cipher.open(secretId, versionId, sealed.get()), StandardCharsets.UTF_8));
    }
}
