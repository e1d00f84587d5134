package dev.kinko.server.storage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Byte encodings of the RocksDB keys. */
final class Keys {
    private Keys() {}

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** secret id, NUL, version id: a secret's values sort together. */
    static byte[] value(String secretId, String versionId) {
        return utf8(secretId + "\0" + versionId);
    }

    static String[] splitValue(byte[] key) {
        String s = string(key);
        int nul = s.indexOf('\0');
        return new String[] {s.substring(0, nul), s.substring(nul + 1)};
    }

    /** Big-endian time, then an id: the oldest come first (due purges, old requests). */
    static byte[] timed(long millis, String id) {
        byte[] bytes = utf8(id);
        return ByteBuffer.allocate(8 + bytes.length).putLong(millis).put(bytes).array();
    }

    static long timedMillis(byte[] key) {
        return ByteBuffer.wrap(key).getLong();
    }

    static String timedId(byte[] key) {
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
}
