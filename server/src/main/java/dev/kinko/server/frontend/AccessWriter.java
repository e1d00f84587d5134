package dev.kinko.server.frontend;

import dev.kinko.proto.raft.v1.DeletePolicyCommand;
import dev.kinko.proto.raft.v1.PolicyRecord;
import dev.kinko.proto.raft.v1.PutPolicyCommand;
import dev.kinko.proto.raft.v1.PutTokenCommand;
import dev.kinko.proto.raft.v1.RevokeTokenCommand;
import dev.kinko.proto.raft.v1.TokenRecord;
import dev.kinko.server.crypto.AccessTokens;
import dev.kinko.server.crypto.EnvelopeCipher;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.policy.PolicyDocument;
import dev.kinko.server.domain.policy.PolicyNames;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The leader's half of the access writes: it validates policy documents and makes tokens
 * (random, so never inside the state machine); the Raft log carries only their hashes.
 */
public final class AccessWriter {
    private final StateReader state;
    private final Proposer proposer;
    private final EnvelopeCipher cipher;
    private final java.util.function.Supplier<CompletableFuture<Void>> regionKey;

    /** {@code regionKey} completes once the region has a region key (the first access key may come before any value). */
    public AccessWriter(StateReader state, Proposer proposer, EnvelopeCipher cipher,
                        java.util.function.Supplier<CompletableFuture<Void>> regionKey) {
        this.state = state;
        this.proposer = proposer;
        this.cipher = cipher;
        this.regionKey = regionKey;
    }

    public CompletableFuture<PolicyRecord> putPolicy(String name, String document, List<String> clients,
                                                     String requestId) {
        PolicyNames.validate(name);
        PolicyDocument.parse(document);
        if (clients.size() > Limits.MAX_POLICY_CLIENTS) {
            throw new KinkoException(Reason.MALFORMED_POLICY, "a policy applies to at most " + Limits.MAX_POLICY_CLIENTS
                    + " client certificates");
        }
        for (String c : clients) {
            if (!dev.kinko.server.crypto.pki.PeerIdentity.PEER_NAME.matcher(c).matches()) {
                throw new KinkoException(Reason.MALFORMED_POLICY, "a client name is 1-"
                        + dev.kinko.server.crypto.pki.PeerIdentity.MAX_NAME_LENGTH + " of A-Z, a-z, 0-9, '.', '_', '-'");
            }
        }
        PolicyRecord record = PolicyRecord.newBuilder().setName(name).setDocument(document)
                .addAllClients(new LinkedHashSet<>(clients)).build();
        return proposer.submit(proposer.command().setRequestId(requestId)
                        .setPutPolicy(PutPolicyCommand.newBuilder().setPolicy(record)))
                .thenApply(r -> state.policy(name).orElse(record));
    }

    public CompletableFuture<Void> deletePolicy(String name, String requestId) {
        return proposer.submit(proposer.command().setRequestId(requestId)
                .setDeletePolicy(DeletePolicyCommand.newBuilder().setName(name))).thenApply(r -> null);
    }

    /**
     * A new token carrying {@code policies}, which must exist; a caller that is not root may hand
     * out only policies it holds itself, so a token can never raise its holder's rights. With
     * {@code accessKey}, an access key (SigV4) instead: the same token in every other respect
     * (policies, expiry, revocation by its accessor, the access key id).
     */
    public CompletableFuture<Created> createToken(List<String> policies, Duration ttl, String name,
                                                  Set<String> callerPolicies, boolean callerIsRoot, String createdBy,
                                                  String creatorAccessor, boolean accessKey) {
        Set<String> wanted = new LinkedHashSet<>(policies);
        if (wanted.isEmpty()) {
            throw new KinkoException(Reason.POLICY_NOT_FOUND, "a token needs at least one policy (--policy NAME)");
        }
        for (String p : wanted) {
            if (state.policy(p).isEmpty()) {
                throw new KinkoException(Reason.POLICY_NOT_FOUND, "there is no policy named " + p);
            }
            if (!callerIsRoot && !callerPolicies.contains(p)) {
                throw new KinkoException(Reason.ACCESS_DENIED, "you may only grant policies you hold yourself; "
                        + "you do not hold " + p);
            }
        }
        Duration effective = ttl.isZero() ? Limits.DEFAULT_TOKEN_TTL : ttl;
        if (effective.compareTo(Limits.MIN_TOKEN_TTL) < 0 || effective.compareTo(Limits.MAX_TOKEN_TTL) > 0) {
            throw new KinkoException(Reason.INVALID_TTL, "a token's time to live is " + Limits.MIN_TOKEN_TTL.toSeconds()
                    + " s to " + Limits.MAX_TOKEN_TTL.toDays() + " days");
        }
        if (name.length() > Limits.MAX_TOKEN_NAME_LENGTH) {
            throw new KinkoException(Reason.INVALID_NAME, "a token's name is at most " + Limits.MAX_TOKEN_NAME_LENGTH
                    + " characters");
        }
        long now = proposer.now();
        long creatorExpires = creatorAccessor.isEmpty() ? 0
                : state.token(creatorAccessor).map(TokenRecord::getExpiresMillis).orElse(0L);
        if (!callerIsRoot && creatorExpires != 0 && now + effective.toMillis() > creatorExpires) {
            // a token never outlives the token that made it: the default shrinks, an explicit TTL is refused
            if (!ttl.isZero()) {
                throw new KinkoException(Reason.INVALID_TTL, "a token cannot outlive the token that creates it (it expires "
                        + java.time.Instant.ofEpochMilli(creatorExpires) + "); ask for a shorter --ttl");
            }
            effective = Duration.ofMillis(creatorExpires - now);
        }
        TokenRecord.Builder record = TokenRecord.newBuilder().setName(name).addAllPolicies(wanted)
                .setCreatedMillis(now).setExpiresMillis(now + effective.toMillis()).setCreatedBy(createdBy);
        if (accessKey) {
            return createAccessKey(record);
        }
        AccessTokens.Issued issued = AccessTokens.issue();
        TokenRecord token = record.setAccessor(issued.accessor())
                .setHash(com.google.protobuf.ByteString.copyFrom(issued.hash())).build();
        return proposer.submit(proposer.command().setPutToken(PutTokenCommand.newBuilder().setToken(token)))
                .thenApply(r -> new Created(issued.token(), token, ""));
    }

    /**
     * The leader seals the secret access key before the Raft append, as it does values: the log,
     * the state and snapshots hold it only sealed by the region key.
     */
    private CompletableFuture<Created> createAccessKey(TokenRecord.Builder record) {
        return regionKey.get().thenCompose(v -> {
            AccessTokens.IssuedAccessKey issued;
            do {
                issued = AccessTokens.issueAccessKey(); // 82 random bits: a clash is all but impossible, but cheap to rule out
            } while (state.token(issued.accessKeyId()).isPresent());
            byte[] secret = issued.secret();
            try {
                TokenRecord key = record.setAccessor(issued.accessKeyId())
                        .setSealedSecretKey(cipher.sealAccessKeySecret(issued.accessKeyId(), secret)).build();
                String shown = new String(secret, java.nio.charset.StandardCharsets.US_ASCII);
                return proposer.submit(proposer.command().setPutToken(PutTokenCommand.newBuilder().setToken(key)))
                        .thenApply(r -> new Created("", key, shown));
            } finally {
                java.util.Arrays.fill(secret, (byte) 0);
            }
        });
    }

    /**
     * A token (or an access key: then {@code token} is empty, the accessor is the access key id
     * and {@code secretAccessKey} its secret) shown once, with what the state keeps of it.
     */
    public record Created(String token, TokenRecord record, String secretAccessKey) {
        @Override
        public String toString() {
            return "token " + record.getAccessor();
        }
    }

    public CompletableFuture<Void> revokeToken(String accessor, String requestId) {
        return proposer.submit(proposer.command().setRequestId(requestId)
                .setRevokeToken(RevokeTokenCommand.newBuilder().setAccessor(accessor))).thenApply(r -> null);
    }

    /**
     * Proposes {@code issued} as the region's root token unless the region has one; returns
     * whether it became the root token.
     */
    public boolean bootstrapRoot(AccessTokens.Issued issued) {
        TokenRecord record = TokenRecord.newBuilder().setAccessor(issued.accessor())
                .setHash(com.google.protobuf.ByteString.copyFrom(issued.hash())).setName("root").setRoot(true)
                .setCreatedMillis(proposer.now()).setCreatedBy("bootstrap").build();
        return proposer.submit(proposer.command().setPutToken(PutTokenCommand.newBuilder().setToken(record)
                .setBootstrapRoot(true))).join().getCount() == 1;
    }

}
