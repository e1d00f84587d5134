package dev.kinko.server.domain.policy;

import static dev.kinko.server.domain.policy.Decision.ALLOW;
import static dev.kinko.server.domain.policy.Decision.EXPLICIT_DENY;
import static dev.kinko.server.domain.policy.Decision.IMPLICIT_DENY;
import static dev.kinko.server.domain.policy.PolicyDocumentTest.j;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A table of (policies, request) -> decision. */
class PolicyEvaluatorTest {

    private static final String TOKYO = "tokyo";
    private static final String OSAKA = "osaka";

    // --- building policies and requests ---

    private static String allow(String action, String resource) {
        return statement("Allow", action, resource, null);
    }

    private static String deny(String action, String resource) {
        return statement("Deny", action, resource, null);
    }

    /** A statement; {@code condition} is single-quoted JSON or null. */
    private static String statement(String effect, String action, String resource, String condition) {
        return "{'Effect':'" + effect + "','Action':'" + action + "','Resource':'" + resource + "'"
                + (condition == null ? "" : ",'Condition':" + condition) + "}";
    }

    private static PolicyDocument policy(String... statements) {
        return PolicyDocument.parse(j("{'Version':'2012-10-17','Statement':[" + String.join(",", statements) + "]}"));
    }

    private static AccessRequest secret(String action, String name, String... tagPairs) {
        return secretIn(TOKYO, action, name, tagPairs);
    }

    private static AccessRequest secretIn(String region, String action, String name, String... tagPairs) {
        Map<String, String> tags = new HashMap<>();
        for (int i = 0; i < tagPairs.length; i += 2) {
            tags.put(tagPairs[i], tagPairs[i + 1]);
        }
        return AccessRequest.forSecret(action, region, name, tags);
    }

    private static AccessRequest admin(String action) {
        return AccessRequest.forRegion(action, TOKYO);
    }

    private static Arguments row(String what, List<PolicyDocument> policies, AccessRequest request, Decision expected) {
        return Arguments.of(what, policies, request, expected);
    }

    private static Arguments row(String what, PolicyDocument policy, AccessRequest request, Decision expected) {
        return row(what, List.of(policy), request, expected);
    }

    private static final String GET = Actions.GET_SECRET_VALUE;
    private static final String PUT = Actions.PUT_SECRET_VALUE;
    private static final String DB = "prod/db/password";
    private static final String ENV_PROD = "{'StringEquals':{'secretsmanager:ResourceTag/env':'prod'}}";

    static Stream<Arguments> table() {
        return Stream.of(
                // deny by default
                row("no policies", List.of(), secret(GET, DB), IMPLICIT_DENY),
                row("a policy about another action", policy(allow(PUT, "*")), secret(GET, DB), IMPLICIT_DENY),
                row("exact action and name", policy(allow(GET, DB)), secret(GET, DB), ALLOW),
                row("exact name, other secret", policy(allow(GET, DB)), secret(GET, "prod/db/user"), IMPLICIT_DENY),

                // deny beats allow, wherever it is
                row("deny after allow in one policy", policy(allow("*", "*"), deny(GET, DB)), secret(GET, DB), EXPLICIT_DENY),
                row("deny before allow in one policy", policy(deny(GET, DB), allow("*", "*")), secret(GET, DB), EXPLICIT_DENY),
                row("deny in another policy", List.of(policy(allow(GET, DB)), policy(deny("*", "*"))), secret(GET, DB), EXPLICIT_DENY),
                row("deny alone", policy(deny(GET, DB)), secret(GET, DB), EXPLICIT_DENY),
                row("a deny that does not match", policy(allow("*", "*"), deny(GET, "staging/*")), secret(GET, DB), ALLOW),
                row("a deny of another action", policy(allow("*", "*"), deny(PUT, "*")), secret(GET, DB), ALLOW),

                // wildcard and case-insensitive actions
                row("Get* covers GetSecretValue", policy(allow("secretsmanager:Get*", "*")), secret(GET, DB), ALLOW),
                row("Get* does not cover PutSecretValue", policy(allow("secretsmanager:Get*", "*")), secret(PUT, DB), IMPLICIT_DENY),
                row("Get* covers GetRandomPassword", policy(allow("secretsmanager:Get*", "*")),
                        AccessRequest.forSecret(Actions.GET_RANDOM_PASSWORD, TOKYO, AccessRequest.ANY_RESOURCE, Map.of()), ALLOW),
                row("? is one character", policy(allow("secretsmanager:?etSecretValue", "*")), secret(GET, DB), ALLOW),
                row("* covers secret actions", policy(allow("*", "*")), secret(PUT, DB), ALLOW),
                row("* covers admin actions", policy(allow("*", "*")), admin(Actions.BACKUP), ALLOW),
                row("secretsmanager:* does not cover kinko actions", policy(allow("secretsmanager:*", "*")), admin(Actions.BACKUP), IMPLICIT_DENY),
                row("kinko:* covers kinko actions", policy(allow("kinko:*", "*")), admin(Actions.ROTATE_REGION_KEY), ALLOW),
                row("policy action in another case", policy(allow("SECRETSMANAGER:getsecretvalue", "*")), secret(GET, DB), ALLOW),
                row("request action in another case", policy(allow(GET, "*")), secret("secretsmanager:getSECRETvalue", DB), ALLOW),
                row("deny in another case still denies", policy(allow("*", "*"), deny("SecretsManager:GET*", "*")), secret(GET, DB), EXPLICIT_DENY),

                // name patterns: case-sensitive, * spans '/', ? is one character
                row("prod/* covers a nested name", policy(allow(GET, "prod/*")), secret(GET, DB), ALLOW),
                row("prod/* does not cover prod", policy(allow(GET, "prod/*")), secret(GET, "prod"), IMPLICIT_DENY),
                row("prod/* does not cover staging", policy(allow(GET, "prod/*")), secret(GET, "staging/db"), IMPLICIT_DENY),
                row("Prod/* is case-sensitive", policy(allow(GET, "Prod/*")), secret(GET, DB), IMPLICIT_DENY),
                row("prod/db/? covers one character", policy(allow(GET, "prod/db/?")), secret(GET, "prod/db/x"), ALLOW),
                row("prod/db/? not two", policy(allow(GET, "prod/db/?")), secret(GET, "prod/db/xy"), IMPLICIT_DENY),
                row("one of several resources", policy(allow(GET, "staging/*")
                        .replace("'staging/*'", "['staging/*','prod/db/*']")), secret(GET, DB), ALLOW),

                // ARN patterns see the ARN in the serving region
                row("secret ARN in its region", policy(allow(GET, "arn:kinko:secretsmanager:tokyo:000000000000:secret:prod/*")),
                        secret(GET, DB), ALLOW),
                row("secret ARN, other region", policy(allow(GET, "arn:kinko:secretsmanager:tokyo:000000000000:secret:prod/*")),
                        secretIn(OSAKA, GET, DB), IMPLICIT_DENY),
                row("secret ARN, any region", policy(allow(GET, "arn:kinko:secretsmanager:*:000000000000:secret:" + DB)),
                        secretIn(OSAKA, GET, DB), ALLOW),
                row("arn:* covers secrets", policy(allow(GET, "arn:*")), secret(GET, DB), ALLOW),
                row("a secret ARN does not cover admin", policy(allow("*", "arn:kinko:secretsmanager:*")), admin(Actions.BACKUP), IMPLICIT_DENY),

                // admin (and other not-one-secret) actions need Resource * or the region's ARN
                row("admin with *", policy(allow(Actions.BACKUP, "*")), admin(Actions.BACKUP), ALLOW),
                row("admin with a name pattern", policy(allow(Actions.BACKUP, "prod/*")), admin(Actions.BACKUP), IMPLICIT_DENY),
                row("admin with a ?-pattern", policy(allow(Actions.BACKUP, "?")), admin(Actions.BACKUP), IMPLICIT_DENY),
                row("admin with its region ARN", policy(allow(Actions.BACKUP, "arn:kinko:kinko:tokyo:000000000000:region")),
                        admin(Actions.BACKUP), ALLOW),
                row("admin with another region's ARN", policy(allow(Actions.BACKUP, "arn:kinko:kinko:osaka:000000000000:region")),
                        admin(Actions.BACKUP), IMPLICIT_DENY),
                row("admin with arn:*", policy(allow(Actions.BACKUP, "arn:*")), admin(Actions.BACKUP), ALLOW),
                row("a region ARN does not cover secrets", policy(allow("*", "arn:kinko:kinko:*")), secret(GET, DB), IMPLICIT_DENY),
                row("ListSecrets with a name pattern", policy(allow(Actions.LIST_SECRETS, "prod/*")),
                        AccessRequest.forRegion(Actions.LIST_SECRETS, TOKYO), IMPLICIT_DENY),
                row("ListSecrets with *", policy(allow(Actions.LIST_SECRETS, "*")),
                        AccessRequest.forRegion(Actions.LIST_SECRETS, TOKYO), ALLOW),
                row("admin deny on *", policy(allow("*", "*"), deny("kinko:*", "*")), admin(Actions.PROMOTE_REGION), EXPLICIT_DENY),

                // tag conditions
                row("StringEquals, tag matches", policy(statement("Allow", GET, "*", ENV_PROD)), secret(GET, DB, "env", "prod"), ALLOW),
                row("StringEquals is case-sensitive", policy(statement("Allow", GET, "*", ENV_PROD)), secret(GET, DB, "env", "Prod"), IMPLICIT_DENY),
                row("StringEquals, other value", policy(statement("Allow", GET, "*", ENV_PROD)), secret(GET, DB, "env", "dev"), IMPLICIT_DENY),
                row("tag missing", policy(statement("Allow", GET, "*", ENV_PROD)), secret(GET, DB, "team", "prod"), IMPLICIT_DENY),
                row("tag key is case-sensitive", policy(statement("Allow", GET, "*", ENV_PROD)), secret(GET, DB, "Env", "prod"), IMPLICIT_DENY),
                row("admin requests carry no tags", policy(statement("Allow", "*", "*", ENV_PROD)), admin(Actions.BACKUP), IMPLICIT_DENY),
                row("one of several values", policy(statement("Allow", GET, "*",
                        "{'StringEquals':{'secretsmanager:ResourceTag/env':['prod','staging']}}")), secret(GET, DB, "env", "staging"), ALLOW),
                row("none of several values", policy(statement("Allow", GET, "*",
                        "{'StringEquals':{'secretsmanager:ResourceTag/env':['prod','staging']}}")), secret(GET, DB, "env", "dev"), IMPLICIT_DENY),
                row("StringEquals takes * literally", policy(statement("Allow", GET, "*",
                        "{'StringEquals':{'secretsmanager:ResourceTag/env':'prod*'}}")), secret(GET, DB, "env", "production"), IMPLICIT_DENY),
                row("StringLike with *", policy(statement("Allow", GET, "*",
                        "{'StringLike':{'secretsmanager:ResourceTag/env':'prod*'}}")), secret(GET, DB, "env", "production"), ALLOW),
                row("StringLike with ?", policy(statement("Allow", GET, "*",
                        "{'StringLike':{'secretsmanager:ResourceTag/team':'team-?'}}")), secret(GET, DB, "team", "team-ab"), IMPLICIT_DENY),
                row("two keys, both hold", policy(statement("Allow", GET, "*",
                        "{'StringEquals':{'secretsmanager:ResourceTag/env':'prod','secretsmanager:ResourceTag/team':'db'}}")),
                        secret(GET, DB, "env", "prod", "team", "db"), ALLOW),
                row("two keys, one missing", policy(statement("Allow", GET, "*",
                        "{'StringEquals':{'secretsmanager:ResourceTag/env':'prod','secretsmanager:ResourceTag/team':'db'}}")),
                        secret(GET, DB, "env", "prod"), IMPLICIT_DENY),
                row("two operators, both hold", policy(statement("Allow", GET, "*",
                        "{'StringEquals':{'secretsmanager:ResourceTag/env':'prod'},'StringLike':{'secretsmanager:ResourceTag/team':'d*'}}")),
                        secret(GET, DB, "env", "prod", "team", "db"), ALLOW),
                row("two operators, one fails", policy(statement("Allow", GET, "*",
                        "{'StringEquals':{'secretsmanager:ResourceTag/env':'prod'},'StringLike':{'secretsmanager:ResourceTag/team':'d*'}}")),
                        secret(GET, DB, "env", "prod", "team", "web"), IMPLICIT_DENY),
                row("conditioned deny on a tagged secret", policy(allow("*", "*"), statement("Deny", GET, "*", ENV_PROD)),
                        secret(GET, DB, "env", "prod"), EXPLICIT_DENY),
                row("conditioned deny spares an untagged secret", policy(allow("*", "*"), statement("Deny", GET, "*", ENV_PROD)),
                        secret(GET, DB), ALLOW));
    }

    @ParameterizedTest(name = "{0} -> {3}")
    @MethodSource("table")
    void decides(String what, List<PolicyDocument> policies, AccessRequest request, Decision expected) {
        assertThat(PolicyEvaluator.evaluate(policies, request)).isEqualTo(expected);
    }

    @Test
    void theOrderOfPoliciesAndStatementsNeverMatters() {
        List<PolicyDocument> policies = new ArrayList<>(List.of(
                policy(allow("*", "*")), policy(deny(GET, "prod/*"), allow(PUT, DB)), policy(allow(GET, "staging/*"))));
        for (int i = 0; i < 6; i++) {
            Collections.rotate(policies, 1);
            if (i == 3) {
                Collections.reverse(policies);
            }
            assertThat(PolicyEvaluator.evaluate(policies, secret(GET, DB))).isEqualTo(EXPLICIT_DENY);
            assertThat(PolicyEvaluator.evaluate(policies, secret(GET, "staging/x"))).isEqualTo(ALLOW);
            assertThat(PolicyEvaluator.evaluate(policies, secret(PUT, DB))).isEqualTo(ALLOW);
        }
    }

    @Test
    void denyEverythingBeatsAllowEverythingForEveryAction() {
        List<PolicyDocument> policies = List.of(policy(allow("*", "*")), policy(deny("*", "*")));
        for (String action : Actions.ALL) {
            AccessRequest request = Actions.isSecretAction(action) ? secret(action, DB) : admin(action);
            assertThat(PolicyEvaluator.evaluate(policies, request)).as(action).isEqualTo(EXPLICIT_DENY);
            assertThat(PolicyEvaluator.evaluate(policies.subList(0, 1), request)).as(action).isEqualTo(ALLOW);
        }
    }

    @Test
    void onlyAllowIsAllowed() {
        assertThat(Arrays.stream(Decision.values()).filter(Decision::allowed)).containsExactly(ALLOW);
    }

    @Test
    void aRequestFixesItsTagsAndArn() {
        Map<String, String> tags = new HashMap<>(Map.of("env", "prod"));
        AccessRequest request = AccessRequest.forSecret(GET, TOKYO, DB, tags);
        tags.put("env", "dev");
        assertThat(request.tags()).containsEntry("env", "prod");
        assertThat(request.arn()).isEqualTo(SecretArn.of(TOKYO, DB));
        assertThat(admin(Actions.BACKUP).arn()).isEqualTo(RegionArn.of(TOKYO));
        assertThat(admin(Actions.BACKUP).isAnyResource()).isTrue();
    }
}
