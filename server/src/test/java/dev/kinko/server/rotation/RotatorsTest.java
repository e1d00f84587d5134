package dev.kinko.server.rotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.rotation.postgres.PostgresAlternatingUsersRotator;
import dev.kinko.server.rotation.postgres.PostgresSingleUserRotator;
import org.junit.jupiter.api.Test;

class RotatorsTest {
    @Test
    void resolvesTheBuiltIns() {
        assertThat(Rotators.resolve("password")).containsInstanceOf(PasswordRotator.class);
        assertThat(Rotators.resolve("postgresql-single-user")).containsInstanceOf(PostgresSingleUserRotator.class);
        assertThat(Rotators.resolve("postgresql-alternating-users"))
                .containsInstanceOf(PostgresAlternatingUsersRotator.class);
    }

    @Test
    void externalNamesAreValidButNoRotator() {
        String name = "external:" + "a".repeat(Rotators.MAX_EXTERNAL_NAME_LENGTH - 2) + "-_";
        assertThat(Rotators.resolve(name)).isEmpty();
        assertThat(Rotators.isExternal(name)).isTrue();
        assertThat(Rotators.externalName("external:my-hook_2")).isEqualTo("my-hook_2");
        assertThat(Rotators.isExternal("password")).isFalse();
        assertThatThrownBy(() -> Rotators.externalName("password")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesAnythingElse() {
        for (String name : new String[] {null, "", "Password", "postgresql", "external:", "external:a b",
                "external:a/b", "external:" + "a".repeat(Rotators.MAX_EXTERNAL_NAME_LENGTH + 1), "lambda:x"}) {
            assertThatThrownBy(() -> Rotators.checkName(name)).as(String.valueOf(name))
                    .isInstanceOfSatisfying(KinkoException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_ROTATOR))
                    .hasMessageContaining("external:NAME");
        }
    }
}
