package dev.kinko.server.rotation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * Reads and writes secret values that are JSON objects, so that a rotator changing one field
 * leaves every other field as it was: field order, and numbers exactly as written.
 */
public final class SecretJson {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            // "{...} trailing text" is not a JSON object value
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // 1.10 stays 1.10, not a double
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);

    private SecretJson() {}

    /**
     * The value as a JSON object, or empty when it is null or anything else. Parse errors are
     * dropped on purpose: their messages quote the value, which may be a secret.
     */
    public static Optional<ObjectNode> parseObject(String value) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            JsonNode node = MAPPER.readTree(value);
            return node instanceof ObjectNode object ? Optional.of(object) : Optional.empty();
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }

    /** A copy of {@code object} with {@code field} set to {@code value} (in place when present), as compact JSON. */
    public static String with(ObjectNode object, String field, String value) {
        ObjectNode copy = object.deepCopy();
        copy.put(field, value);
        return write(copy);
    }

    public static String write(ObjectNode object) {
        try {
            return MAPPER.writeValueAsString(object);
        } catch (JsonProcessingException e) {
            // a tree read by this mapper always writes; say nothing of its content
            throw new IllegalStateException("a JSON secret value could not be written");
        }
    }
}
