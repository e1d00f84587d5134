package dev.kinko.server.domain.policy;

import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;

/** Builds MALFORMED_POLICY refusals that name the place in the document, e.g. {@code Statement[2].Effect}. */
final class Malformed {
    private Malformed() {}

    private static final int QUOTE_LIMIT = 64;

    static KinkoException at(String place, String problem) {
        return new KinkoException(Reason.MALFORMED_POLICY, place + " " + problem);
    }

    /** Quotes document text for a message: short, and without control characters that could forge log lines. */
    static String quote(String text) {
        StringBuilder b = new StringBuilder("\"");
        text.codePoints().limit(QUOTE_LIMIT).forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        if (text.codePointCount(0, text.length()) > QUOTE_LIMIT) {
            b.append("...");
        }
        return b.append('"').toString();
    }
}
