package dev.kinko.server.frontend;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;

/**
 * A value on its way in or out, in memory only. {@link #toString()} never
 * shows the bytes.
 */
public record PlainValue(byte[] bytes, boolean binary) {
    public static PlainValue ofString(String s) {
        return new PlainValue(s.getBytes(StandardCharsets.UTF_8), false);
    }

    public static PlainValue ofBinary(ByteString b) {
        return new PlainValue(b.toByteArray(), true);
    }

    public String asString() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "PlainValue[" + bytes.length + " bytes, binary=" + binary + "]";
    }
}
