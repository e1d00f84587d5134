package dev.kinko.server.domain.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kinko.server.domain.Limits;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A statement's Condition block: {@code {"<operator>": {"secretsmanager:ResourceTag/<key>": "v" | [...]}}}.
 * Unknown operators and keys are refused: ignoring one would make a conditioned Allow broader, or a
 * conditioned Deny silently different, than its author meant.
 */
final class ConditionParser {
    private ConditionParser() {}

    /** Condition key names are case-insensitive in AWS; the tag key after the slash is not (Kinko tags are case-sensitive). */
    static final String TAG_KEY_PREFIX = "secretsmanager:ResourceTag/";

    static List<TagCondition> parse(String place, JsonNode node) {
        if (!node.isObject() || node.isEmpty()) {
            throw Malformed.at(place, "must be an object of one or more condition operators");
        }
        List<TagCondition> conditions = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            TagCondition.Operator operator = TagCondition.Operator.named(entry.getKey())
                    .orElseThrow(() -> Malformed.at(place, "has unknown operator " + Malformed.quote(entry.getKey())
                            + " (supported: StringEquals, StringLike)"));
            conditions.addAll(keys(place + "." + operator.jsonName(), operator, entry.getValue()));
        }
        return List.copyOf(conditions);
    }

    private static List<TagCondition> keys(String place, TagCondition.Operator operator, JsonNode node) {
        if (!node.isObject() || node.isEmpty()) {
            throw Malformed.at(place, "must be an object of one or more condition keys");
        }
        List<TagCondition> conditions = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            String keyPlace = place + "[" + Malformed.quote(entry.getKey()) + "]";
            String tagKey = tagKey(keyPlace, entry.getKey());
            conditions.add(new TagCondition(operator, tagKey, JsonShapes.strings(keyPlace, entry.getValue(), (p, v) -> v)));
        }
        return conditions;
    }

    private static String tagKey(String place, String conditionKey) {
        if (!conditionKey.regionMatches(true, 0, TAG_KEY_PREFIX, 0, TAG_KEY_PREFIX.length())) {
            throw Malformed.at(place, "is not a supported condition key (supported: " + TAG_KEY_PREFIX + "<tag key>)");
        }
        String tagKey = conditionKey.substring(TAG_KEY_PREFIX.length());
        if (tagKey.isEmpty() || tagKey.length() > Limits.MAX_TAG_KEY_LENGTH
                || tagKey.chars().anyMatch(Character::isISOControl)) {
            throw Malformed.at(place, "must name a tag key of 1-" + Limits.MAX_TAG_KEY_LENGTH
                    + " characters without control characters");
        }
        return tagKey;
    }
}
