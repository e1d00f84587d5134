package dev.kinko.server.rotation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * {@code password}: a new password and no target system. A JSON object value with a string
 * "password" keeps its other fields; any other value is replaced by the password.
 */
public final class PasswordRotator implements Rotator {
    public static final String NAME = "password";
    static final String PASSWORD_FIELD = "password";

    @Override
    public String newValue(RotationContext context) {
        String password = context.newPassword("");
        Optional<ObjectNode> json = SecretJson.parseObject(context.current());
        if (json.isPresent() && json.get().path(PASSWORD_FIELD).isTextual()) {
            return SecretJson.with(json.get(), PASSWORD_FIELD, password);
        }
        return password;
    }

    @Override
    public void setSecret(RotationContext context) {}

    @Override
    public void testSecret(RotationContext context) {}

    @Override
    public void checkSetup(RotationContext context) {}
}
