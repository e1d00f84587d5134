package dev.kinko.robustness.history;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A history as JSON lines, one {@link Op} per line, so that a run's history can be kept and
 * checked again:
 * <pre>{"client":3,"key":"k17","kind":"WRITE","value":"v-3-120","invokeNanos":1200,"completeNanos":1350,"outcome":"OK","reason":""}</pre>
 * {@code value} is null for a read of no value. Readers ignore fields they do not know and blank
 * lines. Strings are escaped as JSON requires, so any value survives a round trip.
 */
public final class HistoryLog {
    private HistoryLog() {
    }

    /** Writes {@code history} to {@code file}, replacing it. */
    public static void write(Path file, Collection<Op> history) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Op op : history) {
                out.write(toJson(op));
                out.write('\n');
            }
        }
    }

    /** Reads a history written by {@link #write} or an {@link Appender}, in file order. */
    public static List<Op> read(Path file) throws IOException {
        List<Op> ops = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = in.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    ops.add(fromJson(line));
                } catch (IllegalArgumentException e) {
                    throw new IOException(file + ":" + number + ": " + e.getMessage(), e);
                }
            }
        }
        return ops;
    }

    /**
     * Opens {@code file} for appending ops as they complete, for a long run; thread-safe, so
     * client threads may share one. Each op is flushed with its line.
     */
    public static Appender appender(Path file) throws IOException {
        return new Appender(Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE));
    }

    /** Appends ops to a history file; see {@link #appender}. */
    public static final class Appender implements Closeable {
        private final BufferedWriter out;

        private Appender(BufferedWriter out) {
            this.out = out;
        }

        public synchronized void append(Op op) {
            try {
                out.write(toJson(op));
                out.write('\n');
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public synchronized void close() throws IOException {
            out.close();
        }
    }

    /** One op as one line of JSON, without the line break. */
    public static String toJson(Op op) {
        StringBuilder s = new StringBuilder(160);
        s.append("{\"client\":").append(op.client());
        s.append(",\"key\":");
        string(s, op.key());
        s.append(",\"kind\":");
        string(s, op.kind() == null ? null : op.kind().name());
        s.append(",\"value\":");
        string(s, op.value());
        s.append(",\"invokeNanos\":").append(op.invokeNanos());
        s.append(",\"completeNanos\":").append(op.completeNanos());
        s.append(",\"outcome\":");
        string(s, op.outcome() == null ? null : op.outcome().name());
        s.append(",\"reason\":");
        string(s, op.reason());
        return s.append('}').toString();
    }

    private static void string(StringBuilder s, String v) {
        if (v == null) {
            s.append("null");
            return;
        }
        s.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                case '\n' -> s.append("\\n");
                case '\r' -> s.append("\\r");
                case '\t' -> s.append("\\t");
                default -> {
                    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029') {
                        s.append(String.format("\\u%04x", (int) c));
                    } else {
                        s.append(c);
                    }
                }
            }
        }
        s.append('"');
    }

    /**
     * One op from one line of JSON as {@link #toJson} writes it: an object of strings, integers
     * and nulls. Fields may come in any order; unknown ones are ignored; {@code client},
     * {@code key}, {@code kind}, {@code invokeNanos}, {@code completeNanos} and {@code outcome}
     * are required, {@code value} defaults to null and {@code reason} to "".
     *
     * @throws IllegalArgumentException when the line is not such an object
     */
    public static Op fromJson(String line) {
        return new Parser(line).op();
    }

    /** A parser of one flat JSON object. */
    private static final class Parser {
        private final String in;
        private int pos;

        Parser(String in) {
            this.in = in;
        }

        Op op() {
            Integer client = null;
            String key = null;
            String kind = null;
            String value = null;
            Long invoke = null;
            Long complete = null;
            String outcome = null;
            String reason = "";
            skipSpace();
            expect('{');
            skipSpace();
            if (peek() == '}') {
                pos++;
            } else {
                while (true) {
                    skipSpace();
                    String name = string();
                    skipSpace();
                    expect(':');
                    skipSpace();
                    Object v = value();
                    switch (name) {
                        case "client" -> client = Math.toIntExact(number(name, v));
                        case "key" -> key = text(name, v);
                        case "kind" -> kind = text(name, v);
                        case "value" -> value = text(name, v);
                        case "invokeNanos" -> invoke = number(name, v);
                        case "completeNanos" -> complete = number(name, v);
                        case "outcome" -> outcome = text(name, v);
                        case "reason" -> reason = v == null ? "" : text(name, v);
                        default -> {
                            // a field a later version added
                        }
                    }
                    skipSpace();
                    char c = next();
                    if (c == '}') {
                        break;
                    }
                    if (c != ',') {
                        throw error("expected , or } but found '" + c + "'");
                    }
                }
            }
            skipSpace();
            if (pos != in.length()) {
                throw error("text after the object");
            }
            if (client == null || key == null || kind == null || invoke == null || complete == null || outcome == null) {
                throw error("missing a required field (client, key, kind, invokeNanos, completeNanos, outcome)");
            }
            try {
                return new Op(client, key, Op.Kind.valueOf(kind), value, invoke, complete,
                        Op.Outcome.valueOf(outcome), reason);
            } catch (IllegalArgumentException e) {
                throw error("unknown kind or outcome: " + kind + ", " + outcome);
            }
        }

        private long number(String name, Object v) {
            if (!(v instanceof Long l)) {
                throw error(name + " is not an integer");
            }
            return l;
        }

        private String text(String name, Object v) {
            if (v != null && !(v instanceof String)) {
                throw error(name + " is not a string");
            }
            return (String) v;
        }

        private Object value() {
            char c = peek();
            if (c == '"') {
                return string();
            }
            if (in.startsWith("null", pos)) {
                pos += 4;
                return null;
            }
            if (c == '-' || (c >= '0' && c <= '9')) {
                int start = pos;
                pos++;
                while (pos < in.length() && Character.isDigit(in.charAt(pos))) {
                    pos++;
                }
                try {
                    return Long.parseLong(in.substring(start, pos));
                } catch (NumberFormatException e) {
                    throw error("bad integer " + in.substring(start, pos));
                }
            }
            throw error("unexpected '" + c + "'");
        }

        private String string() {
            expect('"');
            StringBuilder s = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') {
                    return s.toString();
                }
                if (c != '\\') {
                    s.append(c);
                    continue;
                }
                char e = next();
                switch (e) {
                    case '"', '\\', '/' -> s.append(e);
                    case 'b' -> s.append('\b');
                    case 'f' -> s.append('\f');
                    case 'n' -> s.append('\n');
                    case 'r' -> s.append('\r');
                    case 't' -> s.append('\t');
                    case 'u' -> {
                        if (pos + 4 > in.length()) {
                            throw error("short \\u escape");
                        }
                        try {
                            s.append((char) Integer.parseInt(in.substring(pos, pos + 4), 16));
                        } catch (NumberFormatException x) {
                            throw error("bad \\u escape");
                        }
                        pos += 4;
                    }
                    default -> throw error("bad escape \\" + e);
                }
            }
        }

        private void skipSpace() {
            while (pos < in.length() && Character.isWhitespace(in.charAt(pos))) {
                pos++;
            }
        }

        private char peek() {
            if (pos >= in.length()) {
                throw error("unexpected end of line");
            }
            return in.charAt(pos);
        }

        private char next() {
            char c = peek();
            pos++;
            return c;
        }

        private void expect(char c) {
            char found = next();
            if (found != c) {
                throw error("expected '" + c + "' but found '" + found + "'");
            }
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("bad history line at column " + (pos + 1) + ": " + what);
        }
    }
}
