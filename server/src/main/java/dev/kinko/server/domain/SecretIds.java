package dev.kinko.server.domain;

import java.util.Comparator;
import java.util.UUID;

/** Secret ids (UUIDs) in the order the storage keeps them: their 16 bytes, unsigned. */
public final class SecretIds {
    private SecretIds() {}

    public static final Comparator<String> ORDER = SecretIds::compare;

    public static int compare(String a, String b) {
        UUID x = UUID.fromString(a);
        UUID y = UUID.fromString(b);
        int c = Long.compareUnsigned(x.getMostSignificantBits(), y.getMostSignificantBits());
        return c != 0 ? c : Long.compareUnsigned(x.getLeastSignificantBits(), y.getLeastSignificantBits());
    }
}
