package dev.kinko.server.domain.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PolicyActionsTest {
    @Test
    void listsEverySecretsCallAndEveryAdminAction() {
        assertThat(Actions.ALL).hasSize(31).doesNotHaveDuplicates();
        assertThat(Actions.ALL.stream().filter(Actions::isSecretAction)).hasSize(19);
        assertThat(Actions.ALL).allMatch(a -> a.startsWith("secretsmanager:") || a.startsWith("kinko:"));
    }

    @Test
    void lookUpIsCaseInsensitive() {
        assertThat(Actions.canonical("SECRETSMANAGER:getsecretvalue")).contains(Actions.GET_SECRET_VALUE);
        assertThat(Actions.canonical("secretsmanager:GetSecretVale")).isEmpty();
        assertThat(Actions.isSecretAction("secretsmanager:listsecrets")).isTrue();
        assertThat(Actions.isSecretAction(Actions.BACKUP)).isFalse();
        assertThat(Actions.isSecretAction("secretsmanager:Nope")).isFalse();
    }

    @Test
    void arnsHaveTheDocumentedShape() {
        assertThat(SecretArn.of("tokyo", "prod/db/password"))
                .isEqualTo("arn:kinko:secretsmanager:tokyo:000000000000:secret:prod/db/password");
        assertThat(RegionArn.of("osaka")).isEqualTo("arn:kinko:kinko:osaka:000000000000:region");
    }
}
