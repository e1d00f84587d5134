package dev.kinko.server.domain;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Random passwords with the options of AWS GetRandomPassword. */
public final class PasswordGenerator {
    static final String LOWERCASE = "abcdefghijklmnopqrstuvwxyz";
    static final String UPPERCASE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    static final String NUMBERS = "0123456789";
    static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    static final String SPACE = " ";

    public record Options(int length, String excludeCharacters, boolean excludeNumbers, boolean excludePunctuation,
                          boolean excludeUppercase, boolean excludeLowercase, boolean includeSpace,
                          boolean requireEachIncludedType) {
        /** The options of a GetRandomPassword request (also stored with a rotation). */
        public static Options of(dev.kinko.proto.v1.GetRandomPasswordRequest r) {
            return new Options(r.getPasswordLength(), r.getExcludeCharacters(), r.getExcludeNumbers(),
                    r.getExcludePunctuation(), r.getExcludeUppercase(), r.getExcludeLowercase(), r.getIncludeSpace(),
                    !r.hasRequireEachIncludedType() || r.getRequireEachIncludedType());
        }
    }

    private final SecureRandom random = new SecureRandom();

    public String generate(Options o) {
        int length = o.length() == 0 ? Limits.DEFAULT_PASSWORD_LENGTH : o.length();
        if (length < 1 || length > Limits.MAX_PASSWORD_LENGTH) {
            throw new KinkoException(Reason.INVALID_PASSWORD_OPTIONS,
                    "password_length must be 1-" + Limits.MAX_PASSWORD_LENGTH + ", got " + o.length());
        }
        List<String> classes = new ArrayList<>();
        addClass(classes, LOWERCASE, !o.excludeLowercase(), o.excludeCharacters());
        addClass(classes, UPPERCASE, !o.excludeUppercase(), o.excludeCharacters());
        addClass(classes, NUMBERS, !o.excludeNumbers(), o.excludeCharacters());
        addClass(classes, PUNCTUATION, !o.excludePunctuation(), o.excludeCharacters());
        addClass(classes, SPACE, o.includeSpace(), o.excludeCharacters());
        if (classes.isEmpty()) {
            throw new KinkoException(Reason.INVALID_PASSWORD_OPTIONS, "the options exclude every character");
        }
        if (o.requireEachIncludedType() && length < classes.size()) {
            throw new KinkoException(Reason.INVALID_PASSWORD_OPTIONS, "password_length " + length
                    + " is too short to hold one character of each of the " + classes.size() + " included classes");
        }
        String all = String.join("", classes);
        List<Character> chars = new ArrayList<>(length);
        if (o.requireEachIncludedType()) {
            classes.forEach(c -> chars.add(pick(c)));
        }
        while (chars.size() < length) {
            chars.add(pick(all));
        }
        Collections.shuffle(chars, random);
        StringBuilder sb = new StringBuilder(length);
        chars.forEach(sb::append);
        return sb.toString();
    }

    private char pick(String from) {
        return from.charAt(random.nextInt(from.length()));
    }

    private static void addClass(List<String> classes, String chars, boolean included, String excluded) {
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
