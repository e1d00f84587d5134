package dev.kinko.server.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kinko.server.domain.PasswordGenerator.Options;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class PasswordGeneratorTest {
    private static final String ALL = PasswordGenerator.LOWERCASE + PasswordGenerator.UPPERCASE
            + PasswordGenerator.NUMBERS + PasswordGenerator.PUNCTUATION;

    private final PasswordGenerator generator = new PasswordGenerator();

    private static Options length(int length) {
        return new Options(length, "", false, false, false, false, false, false);
    }

    private static Options requireEach(int length, boolean includeSpace) {
        return new Options(length, "", false, false, false, false, includeSpace, true);
    }

    private static void assertInvalid(Options options, String rule) {
        assertThatThrownBy(() -> new PasswordGenerator().generate(options))
                .isInstanceOfSatisfying(KinkoException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_PASSWORD_OPTIONS))
                .hasMessageContaining(rule);
    }

    private static boolean anyOf(String password, String chars) {
        return password.chars().anyMatch(c -> chars.indexOf(c) >= 0);
    }

    @Test
    void zeroLengthMeansTheDefault() {
        assertThat(generator.generate(length(0))).hasSize(Limits.DEFAULT_PASSWORD_LENGTH).hasSize(32);
    }

    @Test
    void lengthOneAndMaxAreAccepted() {
        assertThat(generator.generate(length(1))).hasSize(1);
        assertThat(generator.generate(length(Limits.MAX_PASSWORD_LENGTH))).hasSize(4_096);
    }

    @Test
    void lengthPastMaxOrNegativeIsRefused() {
        assertInvalid(length(Limits.MAX_PASSWORD_LENGTH + 1), "password_length");
        assertInvalid(length(-1), "password_length");
        assertInvalid(length(Integer.MIN_VALUE), "password_length");
    }

    @Test
    void defaultsDrawFromLettersDigitsAndPunctuationButNotSpace() {
        String password = generator.generate(length(Limits.MAX_PASSWORD_LENGTH));
        assertThat(password.chars()).allMatch(c -> ALL.indexOf(c) >= 0);
        assertThat(anyOf(password, PasswordGenerator.LOWERCASE)).isTrue();
        assertThat(anyOf(password, PasswordGenerator.UPPERCASE)).isTrue();
        assertThat(anyOf(password, PasswordGenerator.NUMBERS)).isTrue();
        assertThat(anyOf(password, PasswordGenerator.PUNCTUATION)).isTrue();
    }

    @Test
    void passwordsDiffer() {
        assertThat(generator.generate(length(32))).isNotEqualTo(generator.generate(length(32)));
    }

    @Test
    void requireEachGivesOneOfEveryIncludedClassEvenAtMinimalLength() {
        for (int i = 0; i < 200; i++) {
            String password = generator.generate(requireEach(5, true));
            assertThat(password).hasSize(5).contains(" ");
            assertThat(anyOf(password, PasswordGenerator.LOWERCASE)).isTrue();
            assertThat(anyOf(password, PasswordGenerator.UPPERCASE)).isTrue();
            assertThat(anyOf(password, PasswordGenerator.NUMBERS)).isTrue();
            assertThat(anyOf(password, PasswordGenerator.PUNCTUATION)).isTrue();
        }
    }

    @Test
    void excludingEveryClassIsRefused() {
        assertInvalid(new Options(10, "", true, true, true, true, false, false), "exclude every character");
        assertInvalid(new Options(10, ALL, false, false, false, false, false, false), "exclude every character");
    }

    @Test
    void lengthBelowTheNumberOfRequiredClassesIsRefused() {
        assertInvalid(requireEach(3, false), "too short");
        assertInvalid(requireEach(4, true), "too short");
        assertThat(generator.generate(requireEach(4, false))).hasSize(4);
    }

    @Test
    void aClassWhollyExcludedByCharactersIsNotRequired() {
        String password = generator.generate(new Options(2, PasswordGenerator.NUMBERS + PasswordGenerator.PUNCTUATION,
                false, false, false, false, false, true));
        assertThat(password).hasSize(2).matches("[a-z][A-Z]|[A-Z][a-z]");
    }

    // --- properties ---------------------------------------------------------------------

    @Provide
    Arbitrary<String> exclusions() {
        return Arbitraries.strings().withChars((ALL + " ").toCharArray()).ofMaxLength(40);
    }

    @Property(tries = 300)
    void exclusionsAreHonouredAndEveryRequiredClassAppears(
            @ForAll @IntRange(min = 1, max = 64) int length,
            @ForAll("exclusions") String excluded,
            @ForAll boolean excludeNumbers, @ForAll boolean excludePunctuation,
            @ForAll boolean excludeUppercase, @ForAll boolean excludeLowercase,
            @ForAll boolean includeSpace, @ForAll boolean requireEach) {
        Options options = new Options(length, excluded, excludeNumbers, excludePunctuation, excludeUppercase,
                excludeLowercase, includeSpace, requireEach);
        List<String> classes = new ArrayList<>();
        addIfKept(classes, PasswordGenerator.LOWERCASE, !excludeLowercase, excluded);
        addIfKept(classes, PasswordGenerator.UPPERCASE, !excludeUppercase, excluded);
        addIfKept(classes, PasswordGenerator.NUMBERS, !excludeNumbers, excluded);
        addIfKept(classes, PasswordGenerator.PUNCTUATION, !excludePunctuation, excluded);
        addIfKept(classes, PasswordGenerator.SPACE, includeSpace, excluded);

        if (classes.isEmpty() || (requireEach && length < classes.size())) {
            assertInvalid(options, "");
            return;
        }
        String password = generator.generate(options);
        String allowed = String.join("", classes);
        assertThat(password).hasSize(length);
        assertThat(password.chars()).allMatch(c -> allowed.indexOf(c) >= 0);
        if (requireEach) {
            classes.forEach(c -> assertThat(anyOf(password, c)).as("one of %s", c).isTrue());
        }
    }

    private static void addIfKept(List<String> classes, String chars, boolean included, String excluded) {
        if (!included) {
            return;
        }
        StringBuilder kept = new StringBuilder();
        chars.chars().filter(c -> excluded.indexOf(c) < 0).forEach(c -> kept.append((char) c));
        if (kept.length() > 0) {
            classes.add(kept.toString());
        }
    }
}
