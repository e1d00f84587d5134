package dev.kinko.server.domain.policy;

import java.util.List;

/**
 * An immutable, validated IAM-style policy (AWS's grammar, Kinko's actions and resources). It keeps
 * the JSON exactly as written, because policies are stored and shown back that way.
 */
public final class PolicyDocument {
    /** The only policy language version accepted, as in AWS. */
    public static final String VERSION = "2012-10-17";

    private final String json;
    private final List<Statement> statements;

    PolicyDocument(String json, List<Statement> statements) {
        this.json = json;
        this.statements = List.copyOf(statements);
    }

    /**
     * @throws dev.kinko.server.domain.KinkoException MALFORMED_POLICY, naming the place that is wrong
     *     (e.g. {@code Statement[2].Effect must be Allow or Deny}); statements are counted from 0
     */
    public static PolicyDocument parse(String json) {
        return PolicyParser.parse(json);
    }

    public String json() {
        return json;
    }

    /** Whether any statement has a condition (then a decision needs the resource's tags). */
    public boolean hasConditions() {
        return statements().stream().anyMatch(st -> !st.conditions().isEmpty());
    }

    public List<Statement> statements() {
        return statements;
    }

    @Override
    public String toString() {
        return "PolicyDocument[" + statements.size() + " statements]";
    }
}
