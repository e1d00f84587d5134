package dev.kinko.server.domain.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.domain.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PolicyNamesTest {
    @Test
    void nameLengthAtTheEdgeAndOnePast() {
        assertThatCode(() -> PolicyNames.validate("a".repeat(Limits.MAX_POLICY_NAME_LENGTH))).doesNotThrowAnyException();
        KinkoException e = catchThrowableOfType(KinkoException.class,
                () -> PolicyNames.validate("a".repeat(Limits.MAX_POLICY_NAME_LENGTH + 1)));
        assertThat(e.reason()).isEqualTo(Reason.MALFORMED_POLICY);
        assertThat(e).hasMessageContaining("1-128 characters long, got 129");
        assertThatThrownBy(() -> PolicyNames.validate("")).hasMessageContaining("got 0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "read-only", "Team_A+ops=1,x.y@z", "0"})
    void acceptsIamNameCharacters(String name) {
        assertThatCode(() -> PolicyNames.validate(name)).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "a/b", "a*", "a:b", "é", "a\nb"})
    void refusesOtherCharacters(String name) {
        assertThatThrownBy(() -> PolicyNames.validate(name))
                .isInstanceOf(KinkoException.class)
                .hasMessageContaining("letters, digits and +=,.@_-");
    }
}
