package dev.kinko.server.domain.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.domain.Reason;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Turns policy JSON into a {@link PolicyDocument}, refusing anything it does not understand. */
final class PolicyParser {
    private PolicyParser() {}

    private static final List<String> DOCUMENT_KEYS = List.of("Version", "Statement");
    private static final List<String> STATEMENT_KEYS = List.of("Sid", "Effect", "Action", "Resource", "Condition");
    private static final Pattern SID = Pattern.compile("[A-Za-z0-9]*");

    // Duplicate keys are refused: Jackson would otherwise keep the last, so {"Effect":"Deny","Effect":"Allow"}
    // would read as an Allow. Trailing content after the object is refused too.
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static PolicyDocument parse(String json) {
        int bytes = json.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > Limits.MAX_POLICY_BYTES) {
            throw new KinkoException(Reason.MALFORMED_POLICY, "a policy must be at most "
                    + Limits.MAX_POLICY_BYTES + " bytes (UTF-8), got " + bytes);
        }
        JsonNode root = read(json);
        if (root == null || !root.isObject()) {
            throw new KinkoException(Reason.MALFORMED_POLICY, "a policy must be a JSON object");
        }
        JsonShapes.onlyKeys("policy", root, DOCUMENT_KEYS);
        String version = JsonShapes.text("Version", JsonShapes.required("Version", root.get("Version")));
        if (!version.equals(PolicyDocument.VERSION)) {
            throw Malformed.at("Version", "must be \"" + PolicyDocument.VERSION + "\", got " + Malformed.quote(version));
        }
        return new PolicyDocument(json, statements(JsonShapes.required("Statement", root.get("Statement"))));
    }

    private static JsonNode read(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new KinkoException(Reason.MALFORMED_POLICY, "a policy must be valid JSON; it is not" + where
                    + ": " + e.getOriginalMessage());
        }
    }

    private static List<Statement> statements(JsonNode node) {
        if (node.isObject()) {
            return List.of(statement("Statement", node, new HashMap<>()));
        }
        if (!node.isArray() || node.isEmpty() || node.size() > Limits.MAX_POLICY_STATEMENTS) {
            throw Malformed.at("Statement", "must be an object or an array of 1-" + Limits.MAX_POLICY_STATEMENTS
                    + " statements" + (node.isArray() ? ", got " + node.size() : ""));
        }
        Map<String, String> sids = new HashMap<>();
        List<Statement> statements = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            statements.add(statement("Statement[" + i + "]", node.get(i), sids));
        }
        return List.copyOf(statements);
    }

    /** {@code sids} maps each Sid seen so far to its place: Sids are unique within a document, as in IAM. */
    private static Statement statement(String place, JsonNode node, Map<String, String> sids) {
        if (!node.isObject()) {
            throw Malformed.at(place, "must be an object");
        }
        JsonShapes.onlyKeys(place, node, STATEMENT_KEYS);
        String sid = node.has("Sid") ? sid(place + ".Sid", node.get("Sid"), sids) : "";
        Effect effect = effect(place + ".Effect", JsonShapes.required(place + ".Effect", node.get("Effect")));
        List<String> actions = JsonShapes.strings(place + ".Action",
                JsonShapes.required(place + ".Action", node.get("Action")), ActionPatterns::check);
        List<String> resources = JsonShapes.strings(place + ".Resource",
                JsonShapes.required(place + ".Resource", node.get("Resource")), ResourcePatterns::check);
        List<TagCondition> conditions = node.has("Condition")
                ? ConditionParser.parse(place + ".Condition", node.get("Condition")) : List.of();
        return new Statement(sid, effect, actions, resources, conditions);
    }

    private static String sid(String place, JsonNode node, Map<String, String> sids) {
        String sid = JsonShapes.text(place, node);
        if (!SID.matcher(sid).matches()) {
            throw Malformed.at(place, "may hold only letters and digits, got " + Malformed.quote(sid));
        }
        String earlier = sid.isEmpty() ? null : sids.putIfAbsent(sid, place);
        if (earlier != null) {
            throw Malformed.at(place, Malformed.quote(sid) + " repeats " + earlier);
        }
        return sid;
    }

    private static Effect effect(String place, JsonNode node) {
        String effect = JsonShapes.text(place, node);
        for (Effect e : Effect.values()) {
            if (e.jsonName().equals(effect)) {
                return e;
            }
        }
        throw Malformed.at(place, "must be Allow or Deny, got " + Malformed.quote(effect));
    }
}
