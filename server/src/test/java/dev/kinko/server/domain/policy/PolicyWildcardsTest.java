package dev.kinko.server.domain.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Assertions;

/** The glob matcher agrees with a regex reference and stays fast on patterns that make regexes backtrack. */
class PolicyWildcardsTest {

    /** The reference: each '*' becomes ".*", each '?' becomes ".", everything else literal. */
    private static boolean reference(String pattern, String text) {
        StringBuilder regex = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            regex.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL).matcher(text).matches();
    }

    @Property(tries = 2000)
    void agreesWithTheRegexReference(@ForAll("patterns") String pattern, @ForAll("texts") String text) {
        assertThat(Wildcards.matches(pattern, text)).isEqualTo(reference(pattern, text));
    }

    @Property(tries = 500)
    void aTextMatchesItselfAndStar(@ForAll("texts") String text) {
        assertThat(Wildcards.matches(text, text)).isTrue();
        assertThat(Wildcards.matches("*", text)).isTrue();
    }

    @Provide
    Arbitrary<String> patterns() {
        return Arbitraries.strings().withChars('a', 'b', '/', ':', '*', '?').ofMaxLength(8);
    }

    @Provide
    Arbitrary<String> texts() {
        return Arbitraries.strings().withChars('a', 'b', '/', ':').ofMaxLength(10);
    }

    @Example
    void starSpansSlashAndColonAndQuestionMarkTakesOneCharacter() {
        assertThat(Wildcards.matches("prod/*", "prod/db/password")).isTrue();
        assertThat(Wildcards.matches("prod/db/?", "prod/db/x")).isTrue();
        assertThat(Wildcards.matches("prod/db/?", "prod/db/xy")).isFalse();
        assertThat(Wildcards.matches("prod/db/?", "prod/db/")).isFalse();
        assertThat(Wildcards.matches("a?c", "a\uD83D\uDD11c")).as("'?' takes a whole code point").isTrue();
        assertThat(Wildcards.matches("*", "")).isTrue();
        assertThat(Wildcards.matches("", "")).isTrue();
        assertThat(Wildcards.matches("", "a")).isFalse();
    }

    @Example
    void caseIsIgnoredOnlyWhenAsked() {
        assertThat(Wildcards.matches("secretsmanager:get*", "secretsmanager:GetSecretValue", true)).isTrue();
        assertThat(Wildcards.matches("secretsmanager:get*", "secretsmanager:GetSecretValue")).isFalse();
    }

    @Example
    void aBacktrackingPatternStaysFast() {
        String text = "a".repeat(20_000);
        String pattern = "*a".repeat(200) + "*b";
        Assertions.assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThat(Wildcards.matches(pattern, text)).isFalse());
    }
}
