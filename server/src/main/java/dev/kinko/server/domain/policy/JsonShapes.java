package dev.kinko.server.domain.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BinaryOperator;

/** The JSON shapes a policy is made of, each checked with the place it sits at. */
final class JsonShapes {
    private JsonShapes() {}

    static JsonNode required(String place, JsonNode node) {
        if (node == null) {
            throw Malformed.at(place, "is required");
        }
        return node;
    }

    static String text(String place, JsonNode node) {
        if (!node.isTextual()) {
            throw Malformed.at(place, "must be a string");
        }
        return node.textValue();
    }

    /** Refuses every key outside {@code allowed}: a misspelt key must fail, never be ignored. */
    static void onlyKeys(String place, JsonNode object, List<String> allowed) {
        for (Map.Entry<String, JsonNode> property : object.properties()) {
            String key = property.getKey();
            if (!allowed.contains(key)) {
                throw Malformed.at(place, "has unknown key " + Malformed.quote(key)
                        + " (allowed: " + String.join(", ", allowed) + ")");
            }
        }
    }

    /**
     * A string or a non-empty array of strings, as AWS allows for Action, Resource and condition values.
     * {@code check} gets each element's place and text and returns what to keep.
     */
    static List<String> strings(String place, JsonNode node, BinaryOperator<String> check) {
        if (node.isTextual()) {
            return List.of(check.apply(place, node.textValue()));
        }
        if (!node.isArray() || node.isEmpty()) {
            throw Malformed.at(place, "must be a string or a non-empty array of strings");
        }
        List<String> out = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            String elementPlace = place + "[" + i + "]";
            out.add(check.apply(elementPlace, text(elementPlace, node.get(i))));
        }
        return List.copyOf(out);
    }
}
