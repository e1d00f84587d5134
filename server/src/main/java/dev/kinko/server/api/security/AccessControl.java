package dev.kinko.server.api.security;

import dev.kinko.proto.raft.v1.PolicyRecord;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.server.domain.StateReader;
import dev.kinko.server.domain.policy.AccessRequest;
import dev.kinko.server.domain.policy.Actions;
import dev.kinko.server.domain.policy.Decision;
import dev.kinko.server.domain.policy.PolicyDocument;
import dev.kinko.server.domain.policy.PolicyEvaluator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Decides whether a caller may do an action on a resource: deny by default, an explicit Deny
 * wins, root may do everything but replicate, and a region link may do nothing but replicate.
 * Parsed documents are cached by name and text, so a changed policy counts at once.
 */
public final class AccessControl {
    private final String region;
    private final StateReader state;
    private final Map<String, Parsed> cache = new ConcurrentHashMap<>();

    private record Parsed(String json, PolicyDocument document) {}

    public AccessControl(String region, StateReader state) {
        this.region = region;
        this.state = state;
    }

    /**
     * On a secret named {@code ref} (a name or an id; one that does not exist is judged by the name
     * given). The secret's record is read only when the decision needs it: never for root, a region
     * or a node, and for a token only when {@code ref} is an id or a policy has a tag condition.
     */
    public Decision decideOnSecret(Caller caller, String action, String ref) {
        return decide(caller, action, docs -> {
            boolean tagsMatter = docs.stream().anyMatch(PolicyDocument::hasConditions);
            if (!tagsMatter && state.idByName(ref).isPresent()) {
                return new AccessRequest(action, region, ref, Map.of());
            }
            Optional<SecretRecord> secret = ref.isEmpty() ? Optional.empty() : state.resolveHeader(ref);
            return new AccessRequest(action, region, secret.map(SecretRecord::getName).orElse(ref),
                    secret.map(SecretRecord::getTagsMap).orElse(Map.of()));
        });
    }

    public Decision decideOnSecret(Caller caller, String action, SecretRecord secret) {
        return decide(caller, action, docs -> new AccessRequest(action, region, secret.getName(), secret.getTagsMap()));
    }

    /** A secret that does not exist yet (CreateSecret): its tags are the ones it is created with. */
    public Decision decideOnNewSecret(Caller caller, String action, String name, Map<String, String> tags) {
        return decide(caller, action, docs -> new AccessRequest(action, region, name, tags));
    }

    /** An action on the region rather than on one secret (admin calls, ListSecrets, passwords). */
    public Decision decideOnRegion(Caller caller, String action) {
        return decide(caller, action, docs -> new AccessRequest(action, region, AccessRequest.ANY_RESOURCE, Map.of()));
    }

    private Decision decide(Caller caller, String action, Function<List<PolicyDocument>, AccessRequest> request) {
        boolean replicate = action.equals(Actions.REPLICATE);
        return switch (caller.kind()) {
            case REGION -> replicate ? Decision.ALLOW : Decision.IMPLICIT_DENY;
            case NODE -> Decision.IMPLICIT_DENY;
            case ROOT -> replicate ? Decision.IMPLICIT_DENY : Decision.ALLOW;
            case TOKEN, CLIENT_CERT -> {
                if (replicate) {
                    yield Decision.IMPLICIT_DENY;
                }
                List<PolicyDocument> docs = documents(caller);
                yield docs.isEmpty() ? Decision.IMPLICIT_DENY : PolicyEvaluator.evaluate(docs, request.apply(docs));
            }
        };
    }

    private List<PolicyDocument> documents(Caller caller) {
        List<PolicyDocument> out = new ArrayList<>();
        for (String name : caller.policies()) {
            Optional<PolicyRecord> record = state.policy(name);
            if (record.isEmpty()) {
                cache.remove(name);
                continue; // a deleted policy grants nothing
            }
            Parsed p = cache.get(name);
            // keyed by the text itself: two changes within one millisecond must not keep the old one
            if (p == null || !p.json().equals(record.get().getDocument())) {
                p = new Parsed(record.get().getDocument(), PolicyDocument.parse(record.get().getDocument()));
                cache.put(name, p);
            }
            out.add(p.document());
        }
        return out;
    }
}
