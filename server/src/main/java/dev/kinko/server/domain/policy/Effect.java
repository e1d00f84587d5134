package dev.kinko.server.domain.policy;

/** What a matching statement does. Spelt exactly as AWS does in JSON: "Allow", "Deny". */
public enum Effect {
    ALLOW("Allow"),
    DENY("Deny");

    private final String jsonName;

    Effect(String jsonName) {
        this.jsonName = jsonName;
    }

    public String jsonName() {
        return jsonName;
    }
}
