package dev.kinko.server.domain.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.domain.Reason;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Parsing: good documents keep their shape and text; every bad one is refused with its place named. */
class PolicyDocumentTest {

    /** JSON written with ' for " so the cases stay readable. */
    static String j(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    /** A document with one statement whose body is {@code statementBody} (single-quoted JSON). */
    static String withStatement(String statementBody) {
        return j("{'Version':'2012-10-17','Statement':[{" + statementBody + "}]}");
    }

    private static final String ALLOW_ALL = "'Effect':'Allow','Action':'*','Resource':'*'";

    static KinkoException refused(String json, String expectedMessagePart) {
        KinkoException e = catchThrowableOfType(KinkoException.class, () -> PolicyDocument.parse(json));
        assertThat(e).as("expected MALFORMED_POLICY for %s", json).isNotNull();
        assertThat(e.reason()).isEqualTo(Reason.MALFORMED_POLICY);
        assertThat(e.getMessage()).contains(expectedMessagePart);
        return e;
    }

    @Test
    void parsesAFullDocumentAndKeepsItsTextAsWritten() {
        String json = j("""
                {
                  'Version': '2012-10-17',
                  'Statement': [
                    {'Sid': 'ReadProd', 'Effect': 'Allow',
                     'Action': ['secretsmanager:GetSecretValue', 'secretsmanager:Describe*'],
                     'Resource': ['prod/*', 'arn:kinko:secretsmanager:tokyo:000000000000:secret:shared/?'],
                     'Condition': {'StringEquals': {'secretsmanager:ResourceTag/team': ['a', 'b']},
                                   'StringLike': {'SecretsManager:resourcetag/env': 'prod*'}}},
                    {'Effect': 'Deny', 'Action': 'kinko:*', 'Resource': '*'}
                  ]
                }""");
        PolicyDocument doc = PolicyDocument.parse(json);

        assertThat(doc.json()).isEqualTo(json);
        assertThat(doc.statements()).hasSize(2);
        Statement read = doc.statements().get(0);
        assertThat(read.sid()).isEqualTo("ReadProd");
        assertThat(read.effect()).isEqualTo(Effect.ALLOW);
        assertThat(read.actions()).containsExactly("secretsmanager:GetSecretValue", "secretsmanager:Describe*");
        assertThat(read.resources()).containsExactly("prod/*", "arn:kinko:secretsmanager:tokyo:000000000000:secret:shared/?");
        assertThat(read.conditions()).containsExactly(
                new TagCondition(TagCondition.Operator.STRING_EQUALS, "team", List.of("a", "b")),
                new TagCondition(TagCondition.Operator.STRING_LIKE, "env", List.of("prod*")));
        Statement deny = doc.statements().get(1);
        assertThat(deny.sid()).isEmpty();
        assertThat(deny.effect()).isEqualTo(Effect.DENY);
        assertThat(deny.conditions()).isEmpty();
        assertThatThrownBy(() -> doc.statements().add(deny)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> read.actions().add("*")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void statementMayBeASingleObject() {
        PolicyDocument doc = PolicyDocument.parse(j("{'Version':'2012-10-17','Statement':{" + ALLOW_ALL + "}}"));
        assertThat(doc.statements()).singleElement().extracting(Statement::effect).isEqualTo(Effect.ALLOW);
    }

    @ParameterizedTest
    @ValueSource(strings = {"*", "secretsmanager:*", "kinko:Manage*", "SecretsManager:getsecretvalue",
            "KINKO:BACKUP", "secretsmanager:Get?ecretValue", "secretsmanager:*Secret*"})
    void acceptsActionPatterns(String action) {
        PolicyDocument.parse(withStatement("'Effect':'Allow','Action':'" + action + "','Resource':'*'"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"*", "prod/*", "prod/db/?", "prod/db/password", "a_b+c=d.e@f-g",
            "arn:*", "arn:kinko:*", "arn:kinko:secretsmanager:*",
            "arn:kinko:secretsmanager:tokyo:000000000000:secret:prod/*",
            "arn:kinko:secretsmanager:*:000000000000:secret:prod/db",
            "arn:kinko:secretsmanager:tokyo:000000000000:secret:prod/db/password",
            "arn:kinko:kinko:tokyo:000000000000:region", "arn:kinko:kinko:*:000000000000:region"})
    void acceptsResourcePatterns(String resource) {
        PolicyDocument.parse(withStatement("'Effect':'Allow','Action':'*','Resource':'" + resource + "'"));
    }

    /** Each bad document (single-quoted JSON) and the start of the message that names its place. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            {                                                   | a policy must be valid JSON; it is not at line 1
            {'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'*','Resource':'*'}} {} | a policy must be valid JSON
            []                                                  | a policy must be a JSON object
            'text'                                              | a policy must be a JSON object
            {'Version':'2012-10-17','Id':'x','Statement':[]}    | policy has unknown key "Id" (allowed: Version, Statement)
            {'Statement':[]}                                    | Version is required
            {'Version':'2008-10-17','Statement':[]}             | Version must be "2012-10-17", got "2008-10-17"
            {'Version':2012,'Statement':[]}                     | Version must be a string
            {'Version':'2012-10-17'}                            | Statement is required
            {'Version':'2012-10-17','Statement':[]}             | Statement must be an object or an array of 1-100 statements, got 0
            {'Version':'2012-10-17','Statement':'x'}            | Statement must be an object or an array of 1-100 statements
            {'Version':'2012-10-17','Statement':[{'Effect':'Allow','Action':'*','Resource':'*'},'x']} | Statement[1] must be an object
            """)
    void refusesBadDocuments(String json, String message) {
        refused(j(json), message);
    }

    @Test
    void refusesDuplicateKeysInsteadOfKeepingTheLast() {
        refused(withStatement("'Effect':'Deny','Action':'*','Resource':'*','Effect':'Allow'"), "Duplicate field 'Effect'");
        refused(j("{'Version':'2012-10-17','Version':'2012-10-17','Statement':{" + ALLOW_ALL + "}}"),
                "Duplicate field 'Version'");
    }

    @Test
    void refusesEmptyTextAndDeepNesting() {
        refused("", "a policy must be a JSON object");
        refused("[".repeat(5_000) + "]".repeat(5_000), "a policy must be valid JSON");
    }

    @Test
    void namesTheStatementByItsIndex() {
        String json = j("{'Version':'2012-10-17','Statement':[{" + ALLOW_ALL + "},{" + ALLOW_ALL + "},"
                + "{'Effect':'allow','Action':'*','Resource':'*'}]}");
        assertThat(refused(json, "").getMessage()).isEqualTo("Statement[2].Effect must be Allow or Deny, got \"allow\"");
    }

    /** Statement bodies (single-quoted JSON inside one statement) and the message naming the place. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            'Effect':'Allow','Action':'*','Resource':'*','NotAction':'*'  | Statement[0] has unknown key "NotAction" (allowed: Sid, Effect, Action, Resource, Condition)
            'Effect':'Allow','Action':'*','Resource':'*','Principal':'*'  | Statement[0] has unknown key "Principal"
            'effect':'Deny','Action':'*','Resource':'*'                    | Statement[0] has unknown key "effect"
            'Action':'*','Resource':'*'                                    | Statement[0].Effect is required
            'Effect':'Dney','Action':'*','Resource':'*'                    | Statement[0].Effect must be Allow or Deny, got "Dney"
            'Effect':null,'Action':'*','Resource':'*'                      | Statement[0].Effect must be a string
            'Effect':'Allow','Resource':'*'                                | Statement[0].Action is required
            'Effect':'Allow','Action':[],'Resource':'*'                    | Statement[0].Action must be a string or a non-empty array of strings
            'Effect':'Allow','Action':{},'Resource':'*'                    | Statement[0].Action must be a string or a non-empty array of strings
            'Effect':'Allow','Action':['*',7],'Resource':'*'               | Statement[0].Action[1] must be a string
            'Effect':'Allow','Action':'GetSecretValue','Resource':'*'      | Statement[0].Action must be * or <service>:<action>, got "GetSecretValue"
            'Effect':'Allow','Action':'iam:GetUser','Resource':'*'         | Statement[0].Action names unknown service "iam" (secretsmanager or kinko)
            'Effect':'Allow','Action':'*:GetSecretValue','Resource':'*'    | Statement[0].Action names unknown service "*"
            'Effect':'Deny','Action':'secretsmanager:GetSecretVale','Resource':'*' | Statement[0].Action names no known action: "secretsmanager:GetSecretVale"
            'Effect':'Deny','Action':'kinko:GetSecretValue','Resource':'*' | Statement[0].Action names no known action: "kinko:GetSecretValue"
            'Effect':'Deny','Action':['secretsmanager:GetSecretValue','secretsmanager:Gte*'],'Resource':'*' | Statement[0].Action[1] matches no known action: "secretsmanager:Gte*"
            'Effect':'Allow','Action':'secretsmanager:Get-Secret','Resource':'*' | Statement[0].Action action name may hold only letters, digits and the wildcards * ?
            'Effect':'Allow','Action':'secretsmanager:','Resource':'*'     | Statement[0].Action action name may hold only letters
            'Effect':'Allow','Action':'*'                                  | Statement[0].Resource is required
            'Effect':'Allow','Action':'*','Resource':[]                    | Statement[0].Resource must be a string or a non-empty array of strings
            'Effect':'Allow','Action':'*','Resource':''                    | Statement[0].Resource must be a secret name pattern
            'Effect':'Allow','Action':'*','Resource':['*','prod db']       | Statement[0].Resource[1] must be a secret name pattern
            'Effect':'Allow','Action':'*','Resource':'arn:aws:secretsmanager:tokyo:000000000000:secret:x'    | Statement[0].Resource is not a Kinko ARN (arn:kinko:secretsmanager:<region>:000000000000:secret:<name> or arn:kinko:kinko:<region>:000000000000:region): part 2 is "aws"
            'Effect':'Allow','Action':'*','Resource':'arn:kinko:secretmanager:tokyo:000000000000:secret:x'  | Statement[0].Resource is not a Kinko ARN
            'Effect':'Allow','Action':'*','Resource':'arn:kinko:secretsmanager:Tokyo:000000000000:secret:x' | part 4 is "Tokyo"
            'Effect':'Allow','Action':'*','Resource':'arn:kinko:secretsmanager:tokyo:123456789012:secret:x' | part 5 is "123456789012"
            'Effect':'Allow','Action':'*','Resource':'arn:kinko:secretsmanager:tokyo:000000000000:secrets:*' | part 6 is "secrets"
            'Effect':'Allow','Action':'*','Resource':'arn:kinko:kinko:tokyo:000000000000:secret:x'         | part 6 is "secret"
            'Effect':'Allow','Action':'*','Resource':'arn:kinko:kinko:tokyo:000000000000:region:x'         | part 7 is "x"
            'Effect':'Allow','Action':'*','Resource':'arn:kinko:secretsmanager:tokyo:000000000000:secret:'  | part 7 is ""
            'Effect':'Allow','Action':'*','Resource':'arn:kinko:secretsmanager:tokyo:000000000000:secret'   | Statement[0].Resource is an incomplete ARN
            'Effect':'Allow','Action':'*','Resource':'arn:kinko:secretsmanager:tokyo:000000000000:secret:a b' | Statement[0].Resource must be an ARN of letters
            'Sid':'a b','Effect':'Allow','Action':'*','Resource':'*'      | Statement[0].Sid may hold only letters and digits, got "a b"
            'Sid':1,'Effect':'Allow','Action':'*','Resource':'*'          | Statement[0].Sid must be a string
            'Effect':'Allow','Action':'*','Resource':'*','Condition':'x'  | Statement[0].Condition must be an object of one or more condition operators
            'Effect':'Allow','Action':'*','Resource':'*','Condition':{}   | Statement[0].Condition must be an object of one or more condition operators
            'Effect':'Allow','Action':'*','Resource':'*','Condition':{'StringEqual':{'secretsmanager:ResourceTag/env':'prod'}} | Statement[0].Condition has unknown operator "StringEqual" (supported: StringEquals, StringLike)
            'Effect':'Allow','Action':'*','Resource':'*','Condition':{'stringequals':{'secretsmanager:ResourceTag/env':'prod'}} | Statement[0].Condition has unknown operator "stringequals"
            'Effect':'Allow','Action':'*','Resource':'*','Condition':{'StringNotEquals':{'secretsmanager:ResourceTag/env':'prod'}} | Statement[0].Condition has unknown operator "StringNotEquals"
            'Effect':'Allow','Action':'*','Resource':'*','Condition':{'StringEquals':{}} | Statement[0].Condition.StringEquals must be an object of one or more condition keys
            'Effect':'Allow','Action':'*','Resource':'*','Condition':{'StringLike':['x']} | Statement[0].Condition.StringLike must be an object of one or more condition keys
            'Effect':'Allow','Action':'*','Resource':'*','Condition':{'StringEquals':{'aws:ResourceTag/env':'prod'}} | Statement[0].Condition.StringEquals["aws:ResourceTag/env"] is not a supported condition key (supported: secretsmanager:ResourceTag/<tag key>)
            'Effect':'Allow','Action':'*','Resource':'*','Condition':{'StringEquals':{'secretsmanager:Name':'prod'}} | Statement[0].Condition.StringEquals["secretsmanager:Name"] is not a supported condition key
            'Effect':'Allow','Action':'*','Resource':'*','Condition':{'StringEquals':{'secretsmanager:ResourceTag/':'prod'}} | Statement[0].Condition.StringEquals["secretsmanager:ResourceTag/"] must name a tag key of 1-128 characters
            'Effect':'Allow','Action':'*','Resource':'*','Condition':{'StringLike':{'secretsmanager:ResourceTag/env':[]}} | Statement[0].Condition.StringLike["secretsmanager:ResourceTag/env"] must be a string or a non-empty array of strings
            'Effect':'Allow','Action':'*','Resource':'*','Condition':{'StringLike':{'secretsmanager:ResourceTag/env':null}} | Statement[0].Condition.StringLike["secretsmanager:ResourceTag/env"] must be a string or a non-empty array of strings
            'Effect':'Allow','Action':'*','Resource':'*','Condition':{'StringLike':{'secretsmanager:ResourceTag/env':['a',true]}} | Statement[0].Condition.StringLike["secretsmanager:ResourceTag/env"][1] must be a string
            """)
    void refusesBadStatements(String body, String message) {
        refused(withStatement(body.strip()), message);
    }

    @Test
    void sidsAreUniqueWithinADocument() {
        String json = j("{'Version':'2012-10-17','Statement':[{'Sid':'A'," + ALLOW_ALL + "},{'Sid':'',"
                + ALLOW_ALL + "},{'Sid':''," + ALLOW_ALL + "},{'Sid':'A'," + ALLOW_ALL + "}]}");
        refused(json, "Statement[3].Sid \"A\" repeats Statement[0].Sid");
    }

    @Test
    void aTagKeyAtItsLimitAndOnePast() {
        String edge = "k".repeat(Limits.MAX_TAG_KEY_LENGTH);
        PolicyDocument doc = PolicyDocument.parse(withStatement(ALLOW_ALL
                + ",'Condition':{'StringEquals':{'secretsmanager:ResourceTag/" + edge + "':'v'}}"));
        assertThat(doc.statements().get(0).conditions().get(0).tagKey()).isEqualTo(edge);
        refused(withStatement(ALLOW_ALL + ",'Condition':{'StringEquals':{'secretsmanager:ResourceTag/" + edge + "k':'v'}}"),
                "must name a tag key of 1-128 characters");
    }

    @Test
    void quotedTextInMessagesIsShortAndHasNoControlCharacters() {
        String message = refused(withStatement("'Effect':'Allow','Action':'" + "x".repeat(500) + "\\n','Resource':'*'"),
                "Statement[0].Action must be * or <service>:<action>").getMessage();
        assertThat(message).hasSizeLessThan(200).doesNotContain("\n").endsWith("...\"");
    }

    // --- limits ---

    private static String statements(int count) {
        return IntStream.range(0, count).mapToObj(i -> "{" + ALLOW_ALL + "}").collect(Collectors.joining(","));
    }

    @Test
    void statementCountAtTheEdgeAndOnePast() {
        String edge = j("{'Version':'2012-10-17','Statement':[" + statements(Limits.MAX_POLICY_STATEMENTS) + "]}");
        assertThat(PolicyDocument.parse(edge).statements()).hasSize(Limits.MAX_POLICY_STATEMENTS);
        refused(j("{'Version':'2012-10-17','Statement':[" + statements(Limits.MAX_POLICY_STATEMENTS + 1) + "]}"),
                "Statement must be an object or an array of 1-100 statements, got 101");
    }

    /** The smallest document padded with spaces to exactly {@code bytes} UTF-8 bytes. */
    private static String documentOfBytes(int bytes) {
        String json = j("{'Version':'2012-10-17','Statement':{" + ALLOW_ALL + "}}");
        return json + " ".repeat(bytes - json.length());
    }

    @Test
    void sizeAtTheEdgeAndOnePast() {
        String edge = documentOfBytes(Limits.MAX_POLICY_BYTES);
        assertThat(PolicyDocument.parse(edge).json()).hasSize(Limits.MAX_POLICY_BYTES);
        refused(documentOfBytes(Limits.MAX_POLICY_BYTES + 1), "a policy must be at most 20480 bytes (UTF-8), got 20481");
    }

    @Test
    void sizeIsCountedInUtf8Bytes() {
        String prefix = j("{'Version':'2012-10-17','Statement':{" + ALLOW_ALL
                + ",'Condition':{'StringEquals':{'secretsmanager:ResourceTag/owner':'");
        String suffix = j("'}}}}");
        int room = Limits.MAX_POLICY_BYTES - prefix.length() - suffix.length();
        String fits = prefix + "é".repeat(room / 2) + suffix; // é is 2 bytes in UTF-8
        assertThat(fits.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(Limits.MAX_POLICY_BYTES);
        PolicyDocument.parse(fits);
        String tooBig = prefix + "é".repeat(room / 2 + 1) + suffix;
        assertThat(tooBig.length()).isLessThan(Limits.MAX_POLICY_BYTES);
        refused(tooBig, "a policy must be at most 20480 bytes (UTF-8)");
    }
}
