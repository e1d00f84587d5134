package dev.kinko.server.domain.policy;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One condition key of a statement: {@code secretsmanager:ResourceTag/<tagKey>} under an operator.
 * It holds when the resource carries the tag and its value matches any of {@code values}; a
 * resource without the tag never satisfies it (so a Deny conditioned on a tag spares untagged
 * secrets, and an Allow conditioned on one grants nothing on them).
 */
public record TagCondition(Operator operator, String tagKey, List<String> values) {

    /** Condition operators Kinko supports; both compare case-sensitively, as AWS does. */
    public enum Operator {
        STRING_EQUALS("StringEquals"),
        /** {@code *} and {@code ?} wildcards; a literal * or ? cannot be expressed. */
        STRING_LIKE("StringLike");

        private final String jsonName;

        Operator(String jsonName) {
            this.jsonName = jsonName;
        }

        public String jsonName() {
            return jsonName;
        }

        /** Exact spelling only: an operator in another case is refused rather than guessed. */
        public static Optional<Operator> named(String jsonName) {
            return Arrays.stream(values()).filter(o -> o.jsonName.equals(jsonName)).findFirst();
        }

        boolean matches(String expected, String actual) {
            return this == STRING_EQUALS ? expected.equals(actual) : Wildcards.matches(expected, actual);
        }
    }

    public TagCondition {
        values = List.copyOf(values);
    }

    public boolean holds(Map<String, String> tags) {
        String actual = tags.get(tagKey);
        return actual != null && values.stream().anyMatch(expected -> operator.matches(expected, actual));
    }
}
