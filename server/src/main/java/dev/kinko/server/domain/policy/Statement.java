package dev.kinko.server.domain.policy;

import java.util.List;

/**
 * One validated statement. {@code sid} is "" when the statement has none. Action and resource
 * patterns are kept as written; conditions all must hold (AND), values within one condition are
 * alternatives (OR).
 */
public record Statement(String sid, Effect effect, List<String> actions, List<String> resources,
                        List<TagCondition> conditions) {
    public Statement {
        actions = List.copyOf(actions);
        resources = List.copyOf(resources);
        conditions = List.copyOf(conditions);
    }
}
