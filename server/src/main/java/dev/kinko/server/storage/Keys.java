package dev.kinko.server.storage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;

/**
 * Byte encodings of the RocksDB keys (layout v2): fixed-width big-endian numbers and 16-byte
 * secret ids first, so a secret's keys sort together and numbers sort as numbers; a string is
 * only ever the last part of a key, or carries its length in front, never a separator.
 */
final class Keys {
    private Keys() {}

    static final int ID_BYTES = 16;
    static final int ORDINAL_BYTES = 8;
    /** Region names are short (a config name); the length byte in front bounds them. */
    static final int MAX_REGION_BYTES = 255;

    /** Strings in the order of their UTF-8 keys (RocksDB's bytewise order). */
    static final java.util.Comparator<String> UTF8_ORDER = (a, b) -> Arrays.compareUnsigned(utf8(a), utf8(b));

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    // --- secret ids --------------------------------------------------------------------

    /** A secret id (a UUID, as every node makes them) as 16 bytes; empty for anything else. */
    static Optional<byte[]> idBytes(String id) {
        if (id.length() != 36) {
            return Optional.empty();
        }
        try {
            UUID u = UUID.fromString(id);
            return Optional.of(ByteBuffer.allocate(ID_BYTES).putLong(u.getMostSignificantBits())
                    .putLong(u.getLeastSignificantBits()).array());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** A secret id that must be one (the applier only ever writes ids the leader made). */
    static byte[] id(String id) {
        return idBytes(id).orElseThrow(() -> new StorageException("not a secret id: " + id, null));
    }

    static String idString(byte[] key, int offset) {
        ByteBuffer b = ByteBuffer.wrap(key, offset, ID_BYTES);
        return new UUID(b.getLong(), b.getLong()).toString();
    }

    /** The id's bytes followed by {@code rest}: a key under the secret's prefix. */
    static byte[] underId(byte[] id, byte[] rest) {
        byte[] k = Arrays.copyOf(id, ID_BYTES + rest.length);
        System.arraycopy(rest, 0, k, ID_BYTES, rest.length);
        return k;
    }

    /** (secret id, ordinal): a version's metadata and its value. */
    static byte[] ordinalKey(byte[] id, long ordinal) {
        return ByteBuffer.allocate(ID_BYTES + ORDINAL_BYTES).put(id).putLong(ordinal).array();
    }

    static long ordinalOf(byte[] key) {
        return ByteBuffer.wrap(key, ID_BYTES, ORDINAL_BYTES).getLong();
    }

    /** The string after the secret id of a (secret id, string) key: a label, version id or region. */
    static String suffix(byte[] key) {
        return new String(key, ID_BYTES, key.length - ID_BYTES, StandardCharsets.UTF_8);
    }

    static byte[] ordinal(long ordinal) {
        return ByteBuffer.allocate(ORDINAL_BYTES).putLong(ordinal).array();
    }

    static long ordinal(byte[] value) {
        return ByteBuffer.wrap(value).getLong();
    }

    // --- indexes by region -------------------------------------------------------------

    /** The region's length and name: the prefix of its entries in a by-region index. */
    static byte[] regionPrefix(String region) {
        byte[] r = utf8(region);
        if (r.length > MAX_REGION_BYTES) {
            throw new StorageException("region name longer than " + MAX_REGION_BYTES + " bytes", null);
        }
        byte[] k = new byte[1 + r.length];
        k[0] = (byte) r.length;
        System.arraycopy(r, 0, k, 1, r.length);
        return k;
    }

    /** (region, secret id): which secrets replicate to a region, or have it as their primary. */
    static byte[] regionId(String region, byte[] id) {
        byte[] p = regionPrefix(region);
        byte[] k = Arrays.copyOf(p, p.length + ID_BYTES);
        System.arraycopy(id, 0, k, p.length, ID_BYTES);
        return k;
    }

    /** A region's prefix, a big-endian time, then a secret id: a region's due work, soonest first. */
    static byte[] regionTimedId(String region, long millis, byte[] id) {
        byte[] p = regionPrefix(region);
        return ByteBuffer.allocate(p.length + 8 + ID_BYTES).put(p).putLong(millis).put(id).array();
    }

    static String regionOf(byte[] regionIdKey) {
        int len = regionIdKey[0] & 0xff;
        return new String(regionIdKey, 1, len, StandardCharsets.UTF_8);
    }

    static String idOfRegionKey(byte[] regionIdKey) {
        return idString(regionIdKey, 1 + (regionIdKey[0] & 0xff));
    }

    // --- times and sequences -----------------------------------------------------------

    /** Big-endian time, then a secret id: the oldest come first (due purges). */
    static byte[] timedId(long millis, byte[] id) {
        return ByteBuffer.allocate(8 + ID_BYTES).putLong(millis).put(id).array();
    }

    /** Big-endian time, then a string (request ids, archived secrets). */
    static byte[] timed(long millis, String s) {
        byte[] bytes = utf8(s);
        return ByteBuffer.allocate(8 + bytes.length).putLong(millis).put(bytes).array();
    }

    static long timedMillis(byte[] key) {
        return ByteBuffer.wrap(key).getLong();
    }

    static String timedString(byte[] key) {
        return new String(key, 8, key.length - 8, StandardCharsets.UTF_8);
    }

    static byte[] regionKey(int version) {
        return ByteBuffer.allocate(4).putInt(version).array();
    }

    /** Big-endian sequence: the journal reads in order. */
    static byte[] seq(long seq) {
        return ByteBuffer.allocate(8).putLong(seq).array();
    }

    static long seqOf(byte[] key) {
        return ByteBuffer.wrap(key).getLong();
    }

    /** The smallest key above every key that starts with {@code prefix} (null: none, all 0xff). */
    static byte[] after(byte[] prefix) {
        byte[] k = prefix.clone();
        for (int i = k.length - 1; i >= 0; i--) {
            if (k[i] != (byte) 0xff) {
                k[i]++;
                return Arrays.copyOf(k, i + 1);
            }
        }
        return null;
    }

    static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }
}
