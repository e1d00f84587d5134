package dev.kinko.server.storage;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Every byte a {@link RocksStorage} holds, for "nothing changed" and "the same state"
 * comparisons: column family name -> (hex key -> hex value), both sorted. The applied index
 * (key {@code applied} in the default family) is left out, so two storages that applied the
 * same commands in differently cut Raft entries compare equal. Walks
 * {@link RocksStorage.Family#values()}, so it keeps working when column families change.
 */
public final class StorageDump {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] APPLIED = Keys.utf8("applied");

    private StorageDump() {}

    public static SortedMap<String, SortedMap<String, String>> of(RocksStorage storage) {
        SortedMap<String, SortedMap<String, String>> out = new TreeMap<>();
        for (RocksStorage.Family family : RocksStorage.Family.values()) {
            SortedMap<String, String> entries = new TreeMap<>();
            storage.scan(family, new byte[0], (k, v) -> {
                if (!(family == RocksStorage.Family.META && Arrays.equals(k, APPLIED))) {
                    entries.put(HEX.formatHex(k), HEX.formatHex(v));
                }
                return true;
            });
            out.put(family.cfName, entries);
        }
        return out;
    }

    /** The dump without some column families (e.g. a request id's remembered result). */
    public static SortedMap<String, SortedMap<String, String>> without(
            SortedMap<String, SortedMap<String, String>> dump, List<String> families) {
        SortedMap<String, SortedMap<String, String>> out = new TreeMap<>(dump);
        families.forEach(out::remove);
        return out;
    }

    /**
     * What differs between two dumps, one line per key, readable in a failure message: the key
     * as text where it is printable, and the value's length (values are sealed, never plaintext,
     * but a dump need not print them).
     */
    public static String diff(Map<String, ? extends Map<String, String>> before,
                              Map<String, ? extends Map<String, String>> after) {
        StringBuilder out = new StringBuilder();
        TreeMap<String, Object> families = new TreeMap<>();
        before.keySet().forEach(f -> families.put(f, f));
        after.keySet().forEach(f -> families.put(f, f));
        for (String family : families.keySet()) {
            Map<String, String> b = before.containsKey(family) ? before.get(family) : Map.of();
            Map<String, String> a = after.containsKey(family) ? after.get(family) : Map.of();
            TreeMap<String, Object> keys = new TreeMap<>();
            b.keySet().forEach(k -> keys.put(k, k));
            a.keySet().forEach(k -> keys.put(k, k));
            for (String key : keys.keySet()) {
                String was = b.get(key);
                String now = a.get(key);
                if (was == null) {
                    out.append("+ ").append(family).append(' ').append(readable(key))
                            .append(" (").append(now.length() / 2).append(" bytes)\n");
                } else if (now == null) {
                    out.append("- ").append(family).append(' ').append(readable(key)).append('\n');
                } else if (!was.equals(now)) {
                    out.append("~ ").append(family).append(' ').append(readable(key))
                            .append(" (").append(was.length() / 2).append(" -> ").append(now.length() / 2)
                            .append(" bytes)\n");
                }
            }
        }
        return out.toString();
    }

    private static String readable(String hexKey) {
        byte[] bytes = HEX.parseHex(hexKey);
        StringBuilder s = new StringBuilder();
        for (byte b : bytes) {
            if (b >= 0x20 && b < 0x7f) {
                s.append((char) b);
            } else {
                s.append(String.format("\\x%02x", b & 0xff));
            }
        }
        return s.toString();
    }
}
