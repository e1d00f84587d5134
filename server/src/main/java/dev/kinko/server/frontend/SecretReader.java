package dev.kinko.server.frontend;

import com.google.protobuf.ByteString;
import dev.kinko.proto.raft.v1.SealedValue;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.VersionRecord;
import dev.kinko.proto.v1.BatchGetSecretValueError;
import dev.kinko.proto.v1.BatchGetSecretValueRequest;
import dev.kinko.proto.v1.BatchGetSecretValueResponse;
import dev.kinko.proto.v1.DescribeSecretRequest;
import dev.kinko.proto.v1.DescribeSecretResponse;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.GetSecretValueResponse;
import dev.kinko.proto.v1.ListSecretVersionIdsRequest;
import dev.kinko.proto.v1.ListSecretVersionIdsResponse;
import dev.kinko.proto.v1.ListSecretsRequest;
import dev.kinko.proto.v1.ListSecretsResponse;
import dev.kinko.proto.v1.ReadConsistency;
import dev.kinko.proto.v1.SecretMetadata;
import dev.kinko.server.consensus.RaftNode;
import dev.kinko.server.crypto.CryptoException;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.Stages;
import dev.kinko.server.domain.StateQueries;
import dev.kinko.server.domain.StateViews;
import dev.kinko.server.domain.Validation;
import dev.kinko.server.domain.ValueCipher;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Reads: linearizable by default (the node waits until it has applied the
 * leader's read index), or local when the caller allows stale data; then
 * RocksDB, through one snapshot per request so a read never mixes two writes,
 * then the value is unsealed in memory.
 */
public final class SecretReader {
    private final StateViews views;
    private final ValueCipher cipher;
    private final RaftNode raft;

    public SecretReader(StateViews views, ValueCipher cipher, RaftNode raft) {
        this.views = views;
        this.cipher = cipher;
        this.raft = raft;
    }

    /** Completes when this node's state is fresh enough for the requested consistency. */
    public CompletableFuture<Void> ready(ReadConsistency consistency) {
        return consistency == ReadConsistency.READ_CONSISTENCY_LOCAL
                ? CompletableFuture.completedFuture(null) : raft.readBarrier();
    }

    public GetSecretValueResponse get(GetSecretValueRequest r) {
        try (StateViews.View view = views.view()) {
            return get(view, r);
        }
    }

    /** Reads the secret's metadata, one version and its value: a few keys, however many versions it has. */
    private GetSecretValueResponse get(StateQueries state, GetSecretValueRequest r) {
        SecretRecord secret = readable(state, r.getSecretId());
        VersionRecord version = select(state, secret, r.getVersionId(), r.getVersionStage());
        SealedValue sealed = state.valueAt(secret.getId(), version.getOrdinal()).orElseThrow(() ->
                new KinkoException(Reason.VERSION_NOT_FOUND, "version " + version.getVersionId() + " has no stored value"));
        byte[] plain = cipher.open(secret.getId(), version.getVersionId(), sealed);
        try {
            GetSecretValueResponse.Builder out = GetSecretValueResponse.newBuilder()
                    .setId(secret.getId())
                    .setName(secret.getName())
                    .setVersionId(version.getVersionId())
                    .addAllVersionStages(version.getStagesList())
                    .setCreatedDate(Records.timestamp(version.getCreatedMillis()));
            if (sealed.getBinary()) {
                out.setSecretBinary(ByteString.copyFrom(plain));
            } else {
                out.setSecretString(new String(plain, StandardCharsets.UTF_8));
            }
            return out.build();
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    /** Each secret {@code mayRead} refuses is an ACCESS_DENIED entry, whether or not it exists. */
    public BatchGetSecretValueResponse batchGet(BatchGetSecretValueRequest r, java.util.function.Predicate<String> mayRead) {
        BatchGetSecretValueResponse.Builder out = BatchGetSecretValueResponse.newBuilder();
        try (StateViews.View view = views.view()) {
            batchGet(view, r, mayRead, out);
        }
        return out.build();
    }

    private void batchGet(StateQueries state, BatchGetSecretValueRequest r, java.util.function.Predicate<String> mayRead,
                          BatchGetSecretValueResponse.Builder out) {
        for (String id : r.getSecretIdsList()) {
            if (!mayRead.test(id)) {
                out.addErrors(BatchGetSecretValueError.newBuilder().setSecretId(id)
                        .setReason(Reason.ACCESS_DENIED.name()).setMessage("you may not read secret " + id));
                continue;
            }
            try {
                out.addSecretValues(get(state, GetSecretValueRequest.newBuilder().setSecretId(id).build()));
            } catch (KinkoException e) {
                out.addErrors(BatchGetSecretValueError.newBuilder().setSecretId(id)
                        .setReason(e.reason().name()).setMessage(e.getMessage()));
            } catch (CryptoException e) {
                out.addErrors(BatchGetSecretValueError.newBuilder().setSecretId(id)
                        .setReason(Reason.REGION_KEY_UNAVAILABLE.name()).setMessage(e.getMessage()));
            }
        }
    }

    public DescribeSecretResponse describe(DescribeSecretRequest r) {
        try (StateViews.View state = views.view()) {
            return DescribeSecretResponse.newBuilder().setSecret(metadata(state, existing(state, r.getSecretId()))).build();
        }
    }

    /** Lists only the secrets {@code visible} lets the caller see (the ones it may describe). */
    public ListSecretsResponse list(ListSecretsRequest r, java.util.function.Predicate<SecretRecord> visible) {
        try (StateViews.View state = views.view()) {
            return list(state, r, visible);
        }
    }

    private ListSecretsResponse list(StateQueries state, ListSecretsRequest r,
                                     java.util.function.Predicate<SecretRecord> visible) {
        int pageSize = Validation.pageSize(r.getPageSize());
        String after = decodeToken(r.getPageToken());
        List<SecretRecord> page = new ArrayList<>();
        String cursor = after;
        // secrets scheduled for deletion may be filtered out: read on until one past a full page
        while (page.size() <= pageSize) {
            List<SecretRecord> chunk = state.secretsByName(r.getNamePrefix(), cursor, pageSize + 1);
            for (SecretRecord s : chunk) {
                cursor = s.getName();
                if ((r.getIncludePlannedDeletion() || s.getDeletionDateMillis() == 0) && visible.test(s)) {
                    page.add(s);
                    if (page.size() > pageSize) {
                        break;
                    }
                }
            }
            if (chunk.size() <= pageSize) {
                break;
            }
        }
        boolean more = page.size() > pageSize;
        ListSecretsResponse.Builder out = ListSecretsResponse.newBuilder();
        page.stream().limit(pageSize).forEach(s -> out.addSecrets(metadata(state, s)));
        if (more) {
            out.setNextPageToken(encodeToken(page.get(pageSize - 1).getName()));
        }
        return out.build();
    }

    public ListSecretVersionIdsResponse versions(ListSecretVersionIdsRequest r) {
        try (StateViews.View state = views.view()) {
            return versions(state, r);
        }
    }

    private ListSecretVersionIdsResponse versions(StateQueries state, ListSecretVersionIdsRequest r) {
        int pageSize = Validation.pageSize(r.getPageSize());
        SecretRecord secret = existing(state, r.getSecretId());
        SecretMetadata meta = Records.metadata(secret);
        List<dev.kinko.proto.v1.SecretVersionInfo> listed = new ArrayList<>();
        meta.getVersionsList().stream()
                .filter(v -> r.getIncludeDeprecated() || v.getVersionStagesCount() > 0)
                .forEach(listed::add);
        int start = 0;
        if (!r.getPageToken().isEmpty()) {
            String afterId = decodeToken(r.getPageToken());
            start = -1;
            for (int i = 0; i < listed.size(); i++) {
                if (listed.get(i).getVersionId().equals(afterId)) {
                    start = i + 1;
                }
            }
            if (start < 0) {
                throw new KinkoException(Reason.INVALID_PAGE_TOKEN, "page_token names a version that no longer exists");
            }
        }
        int end = Math.min(listed.size(), start + pageSize);
        ListSecretVersionIdsResponse.Builder out = ListSecretVersionIdsResponse.newBuilder()
                .setId(secret.getId()).setName(secret.getName()).addAllVersions(listed.subList(start, end));
        if (end < listed.size()) {
            out.setNextPageToken(encodeToken(listed.get(end - 1).getVersionId()));
        }
        return out.build();
    }

    private SecretMetadata metadata(StateQueries state, SecretRecord secret) {
        return Records.metadata(secret, raft.region(), state, System.currentTimeMillis());
    }

    private static SecretRecord existing(StateQueries state, String secretRef) {
        return state.resolve(secretRef).orElseThrow(() -> notFound(secretRef));
    }

    private static KinkoException notFound(String secretRef) {
        return new KinkoException(Reason.SECRET_NOT_FOUND, "secret " + secretRef + " not found");
    }

    /** The secret's metadata alone (no versions): what a value read needs. */
    private static SecretRecord readable(StateQueries state, String secretRef) {
        SecretRecord secret = state.resolveHeader(secretRef).orElseThrow(() -> notFound(secretRef));
        if (secret.getDeletionDateMillis() != 0) {
            throw new KinkoException(Reason.SCHEDULED_FOR_DELETION, "secret " + secret.getName()
                    + " is scheduled for deletion; it can only be described or restored");
        }
        return secret;
    }

    private static VersionRecord select(StateQueries state, SecretRecord secret, String versionId, String stage) {
        String wantedStage = versionId.isEmpty() && stage.isEmpty() ? Stages.CURRENT : stage;
        java.util.Optional<VersionRecord> found = versionId.isEmpty()
                ? state.versionByLabel(secret.getId(), wantedStage)
                : state.versionById(secret.getId(), versionId)
                        .filter(v -> wantedStage.isEmpty() || v.getStagesList().contains(wantedStage));
        if (found.isPresent()) {
            return found.get();
        }
        String which = !versionId.isEmpty() && !stage.isEmpty() ? "version " + versionId + " with label " + stage
                : !versionId.isEmpty() ? "version " + versionId : "a version labelled " + wantedStage;
        throw new KinkoException(Reason.VERSION_NOT_FOUND, "secret " + secret.getName() + " has no " + which);
    }

    static String encodeToken(String position) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(position.getBytes(StandardCharsets.UTF_8));
    }

    static String decodeToken(String token) {
        if (token.isEmpty()) {
            return "";
        }
        if (token.length() > Limits.MAX_PAGE_TOKEN_LENGTH) {
            throw new KinkoException(Reason.INVALID_PAGE_TOKEN, "page_token is longer than "
                    + Limits.MAX_PAGE_TOKEN_LENGTH + " characters; pass the next_page_token of the previous page");
        }
        try {
            return new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new KinkoException(Reason.INVALID_PAGE_TOKEN, "page_token is not a token this service issued");
        }
    }
}
