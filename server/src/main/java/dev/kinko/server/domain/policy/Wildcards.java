package dev.kinko.server.domain.policy;

/**
 * Glob matching for policy patterns: {@code *} matches any run of characters (also {@code /} and
 * {@code :}), {@code ?} exactly one; there is no escape. Iterative, no regex and no recursion: when a
 * literal run fails, only the most recent {@code *} is stretched (an earlier one never needs to be,
 * since a later star can absorb whatever it would), so a hostile pattern costs at most
 * O(pattern × text) steps instead of a backtracking regex's exponential blow-up.
 */
final class Wildcards {
    private Wildcards() {}

    static boolean hasWildcard(String pattern) {
        return pattern.indexOf('*') >= 0 || pattern.indexOf('?') >= 0;
    }

    static boolean matches(String pattern, String text) {
        return matches(pattern, text, false);
    }

    /** {@code ignoreCase} compares code points by simple lower-casing (enough for ASCII action names). */
    static boolean matches(String pattern, String text, boolean ignoreCase) {
        // Code points, so '?' takes a whole character even outside the BMP.
        int[] p = pattern.codePoints().toArray();
        int[] t = text.codePoints().toArray();
        int pi = 0;
        int ti = 0;
        int star = -1; // index in p of the last '*' seen
        int resume = 0; // the text index that '*' has been stretched to
        while (ti < t.length) {
            if (pi < p.length && p[pi] != '*' && (p[pi] == '?' || same(p[pi], t[ti], ignoreCase))) {
                pi++;
                ti++;
            } else if (pi < p.length && p[pi] == '*') {
                star = pi++;
                resume = ti;
            } else if (star >= 0) {
                pi = star + 1;
                ti = ++resume;
            } else {
                return false;
            }
        }
        while (pi < p.length && p[pi] == '*') {
            pi++;
        }
        return pi == p.length;
    }

    private static boolean same(int a, int b, boolean ignoreCase) {
        return a == b || ignoreCase && Character.toLowerCase(a) == Character.toLowerCase(b);
    }
}
