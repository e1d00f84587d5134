package dev.kinko.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * A JVM's heap use from its hsperfdata file (what {@code jstat -gc} reads), for nodes whose
 * /metrics has no {@code jvm_memory_used_bytes}: no attach, no extra process. The file is the
 * HotSpot PerfData prologue (magic 0xcafec0c0, byte order, entry offset and count at 24 and 28)
 * followed by entries of (length, name offset, vector length, type, flags, units, variability,
 * data offset).
 */
final class PerfData {
    private static final Pattern SPACE_USED = Pattern.compile("sun\\.gc\\.generation\\.\\d+\\.space\\.\\d+\\.used");

    private PerfData() {}

    /** Bytes used in every space of every generation (eden, survivors, old), or empty when unreadable. */
    static OptionalLong heapUsed(long pid) {
        Path file = Path.of(System.getProperty("java.io.tmpdir"), "hsperfdata_" + System.getProperty("user.name"),
                Long.toString(pid));
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
            if (b.getInt(0) != 0xcafec0c0) {
                return OptionalLong.empty();
            }
            b.order(b.get(4) == 0 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            int offset = b.getInt(24);
            int entries = b.getInt(28);
            long used = 0;
            boolean found = false;
            for (int i = 0; i < entries && offset + 20 <= b.limit(); i++) {
                int length = b.getInt(offset);
                int nameOffset = b.getInt(offset + 4);
                int vectorLength = b.getInt(offset + 8);
                byte type = b.get(offset + 12);
                int dataOffset = b.getInt(offset + 16);
                if (length <= 0) {
                    break;
                }
                if (type == 'J' && vectorLength == 0) {
                    String name = cString(b, offset + nameOffset);
                    if (SPACE_USED.matcher(name).matches()) {
                        used += b.getLong(offset + dataOffset);
                        found = true;
                    }
                }
                offset += length;
            }
            return found ? OptionalLong.of(used) : OptionalLong.empty();
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    private static String cString(ByteBuffer b, int at) {
        int end = at;
        while (end < b.limit() && b.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - at];
        b.get(at, bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }
}
