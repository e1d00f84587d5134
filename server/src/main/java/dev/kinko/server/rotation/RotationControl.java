package dev.kinko.server.rotation;

import dev.kinko.proto.raft.v1.CancelRotationCommand;
import dev.kinko.proto.raft.v1.ConfigureRotationCommand;
import dev.kinko.proto.raft.v1.RotationRecord;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.v1.CancelRotateSecretRequest;
import dev.kinko.proto.v1.CancelRotateSecretResponse;
import dev.kinko.proto.v1.GetRandomPasswordRequest;
import dev.kinko.proto.v1.RotateSecretRequest;
import dev.kinko.proto.v1.RotateSecretResponse;
import dev.kinko.proto.v1.RotationRules;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.StateQueries;
import dev.kinko.server.domain.command.Secrets;
import dev.kinko.server.domain.rotation.NextRotation;
import dev.kinko.server.frontend.Proposer;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The leader's half of RotateSecret and CancelRotateSecret: it settles the rules, the rotator
 * and the first due time (a random moment in the next window), checks the setup when asked not
 * to rotate at once, and proposes the change; the runner takes the rotation from there.
 */
public final class RotationControl {
    /** The rotator of a secret rotated for the first time without one named. */
    public static final String DEFAULT_ROTATOR = "password";

    private final String region;
    private final StateQueries state;
    private final Proposer proposer;
    private final RotationRunner runner;
    private final RotationValues values;
    private final ExternalRotators external;
    private final Executor workers;

    public RotationControl(String region, StateQueries state, Proposer proposer, RotationRunner runner,
                           ExternalRotators external, Executor workers) {
        this.region = region;
        this.state = state;
        this.proposer = proposer;
        this.runner = runner;
        this.values = runner.values();
        this.external = external;
        this.workers = workers;
    }

    /**
     * {@code mayRead} tells whether the caller may read a secret's value: a rotator that reads
     * another secret (a master secret) may read only one the caller may read.
     */
    public CompletableFuture<RotateSecretResponse> rotate(RotateSecretRequest r, String requestId,
                                                          Predicate<SecretRecord> mayRead) {
        SecretRecord secret = Secrets.primaryHere(region, state.resolve(r.getSecretId()).orElseThrow(() ->
                new KinkoException(Reason.SECRET_NOT_FOUND, "secret " + r.getSecretId() + " not found")));
        RotationRecord old = secret.getRotation();
        RotationRules rules = r.hasRotationRules() ? r.getRotationRules() : old.hasRules() ? old.getRules() : null;
        String rotator = !r.getRotator().isEmpty() ? r.getRotator()
                : !old.getRotator().isEmpty() ? old.getRotator() : DEFAULT_ROTATOR;
        Rotators.checkName(rotator);
        GetRandomPasswordRequest options = r.hasPasswordOptions() ? r.getPasswordOptions() : old.getPasswordOptions();
        boolean now = !r.hasRotateImmediately() || r.getRotateImmediately();
        if (!now && rules == null) {
            throw new KinkoException(Reason.INVALID_ROTATION_RULES,
                    "rotation_rules are required to schedule rotation without rotating now");
        }
        long stamp = proposer.housekeepingNow();
        long base = old.getLastRotatedMillis() > 0 ? old.getLastRotatedMillis() : stamp;
        ConfigureRotationCommand.Builder cmd = ConfigureRotationCommand.newBuilder().setSecretId(secret.getId())
                .setRotator(rotator).setPasswordOptions(options)
                .setNextRotationMillis(now || rules == null ? 0 : NextRotation.after(rules, base, stamp, ThreadLocalRandom.current()))
                .setStartToken(now ? token(r.getClientRequestToken()) : "");
        if (rules != null) {
            cmd.setRules(rules);
        }
        cmd.setMasterSecretId(otherSecretAllowed(secret, rotator, options, mayRead));
        CompletableFuture<Void> setup = now ? CompletableFuture.completedFuture(null)
                : CompletableFuture.runAsync(() -> checkSetup(secret, rotator, options, cmd.getMasterSecretId()), workers);
        return setup.thenCompose(v -> proposer.submit(proposer.command().setRequestId(requestId)
                .setConfigureRotation(cmd))).thenApply(res -> {
                    runner.kick(res.getSecretId());
                    return RotateSecretResponse.newBuilder().setId(res.getSecretId()).setName(res.getName())
                            .setVersionId(res.getVersionId()).build();
                });
    }

    public CompletableFuture<CancelRotateSecretResponse> cancel(CancelRotateSecretRequest r, String requestId) {
        SecretRecord secret = state.resolveHeader(r.getSecretId()).orElseThrow(() ->
                new KinkoException(Reason.SECRET_NOT_FOUND, "secret " + r.getSecretId() + " not found"));
        return proposer.submit(proposer.command().setRequestId(requestId)
                .setCancelRotation(CancelRotationCommand.newBuilder().setSecretId(secret.getId())))
                .thenApply(res -> CancelRotateSecretResponse.newBuilder().setId(res.getSecretId())
                        .setName(res.getName()).setVersionId(res.getVersionId()).build());
    }

    /** The id of the other secret the rotator reads, which the caller must be allowed to read ("" if none). */
    private String otherSecretAllowed(SecretRecord secret, String rotator, GetRandomPasswordRequest options,
                                      Predicate<SecretRecord> mayRead) {
        if (Rotators.isExternal(rotator)) {
            return "";
        }
        try {
            RotationRecord probe = RotationRecord.newBuilder().setRotator(rotator).setPasswordOptions(options).build();
            Optional<String> ref = RotationRunner.builtIn(rotator).otherSecret(runner.values().context(secret, probe));
            if (ref.isEmpty()) {
                return "";
            }
            SecretRecord other = runner.values().resolve(ref.get()).orElseThrow(() -> new RotationException(
                    "the secret " + ref.get() + " that CURRENT names does not exist"));
            if (!mayRead.test(other)) {
                throw new KinkoException(Reason.ACCESS_DENIED, "rotator " + rotator + " would read secret "
                        + other.getName() + ", which the caller may not read (secretsmanager:GetSecretValue)");
            }
            return other.getId();
        } catch (RotationException e) {
            throw new KinkoException(Reason.ROTATION_SETUP_FAILED, "rotator " + rotator + " cannot rotate secret "
                    + secret.getName() + ": " + e.getMessage());
        }
    }

    /** rotate_immediately=false: the rotator must be able to work with the secret as it is. */
    private void checkSetup(SecretRecord secret, String rotator, GetRandomPasswordRequest options, String otherId) {
        try {
            if (Rotators.isExternal(rotator)) {
                if (!external.connected(Rotators.externalName(rotator))) {
                    throw new RotationException("no external rotator " + Rotators.externalName(rotator)
                            + " is subscribed to the leader");
                }
                return;
            }
            RotationRecord probe = RotationRecord.newBuilder().setRotator(rotator).setPasswordOptions(options)
                    .setMasterSecretId(otherId).build();
            RotationRunner.builtIn(rotator).checkSetup(values.context(secret, probe));
        } catch (RotationException e) {
            throw new KinkoException(Reason.ROTATION_SETUP_FAILED, "rotator " + rotator + " cannot rotate secret "
                    + secret.getName() + ": " + e.getMessage());
        }
    }

    private static String token(String requestToken) {
        return requestToken.isEmpty() ? UUID.randomUUID().toString() : requestToken;
    }
}
