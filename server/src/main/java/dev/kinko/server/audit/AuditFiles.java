package dev.kinko.server.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Audit file names ({@code audit-<first seq, 20 digits>.jsonl}), listing, and reading a file's end. */
final class AuditFiles {
    private static final Pattern NAME = Pattern.compile("audit-(\\d{20})\\.jsonl");
    /** How far back one step of {@link #lastLine} reads. */
    private static final int TAIL_STEP_BYTES = 8192;

    private AuditFiles() {}

    static String name(long firstSeq) {
        return String.format("audit-%020d.jsonl", firstSeq);
    }

    /** The first seq a file's name records; IllegalArgumentException if it is not an audit file name. */
    static long firstSeq(Path file) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalArgumentException("not an audit log file name: " + file.getFileName()
                    + " (expected audit-<20-digit seq>.jsonl)");
        }
        return Long.parseLong(m.group(1));
    }

    /** The given files ordered by first seq; two files with one name are refused. */
    static List<Path> sorted(List<Path> files) {
        Set<String> names = new HashSet<>();
        for (Path f : files) {
            firstSeq(f);
            if (!names.add(f.getFileName().toString())) {
                throw new IllegalArgumentException("audit file " + f.getFileName() + " given twice");
            }
        }
        List<Path> sorted = new ArrayList<>(files);
        sorted.sort(Comparator.comparingLong(AuditFiles::firstSeq));
        return sorted;
    }

    /** The audit files in a directory, ordered by first seq. */
    static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return sorted(s.filter(p -> NAME.matcher(p.getFileName().toString()).matches()).toList());
        }
    }

    /** A file's complete lines (without '\n'), and the bytes after the last '\n' (empty unless torn). */
    record Content(List<byte[]> lines, byte[] torn) {}

    static Content read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] == '\n') {
                lines.add(Arrays.copyOfRange(all, start, i));
                start = i + 1;
            }
        }
        return new Content(lines, Arrays.copyOfRange(all, start, all.length));
    }

    /**
     * The last line of a file that ends with '\n' (without it), read from the end so resuming does not
     * read a whole file; null if the file is empty or does not end with '\n' (a torn last line).
     */
    static byte[] lastLine(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0 || readAt(ch, size - 1, 1)[0] != '\n') {
                return null;
            }
            long from = size - 1;
            while (from > 0) {
                long step = Math.min(TAIL_STEP_BYTES, from);
                byte[] chunk = readAt(ch, from - step, (int) step);
                for (int i = chunk.length - 1; i >= 0; i--) {
                    if (chunk[i] == '\n') {
                        long start = from - step + i + 1;
                        return readAt(ch, start, (int) (size - 1 - start));
                    }
                }
                from -= step;
            }
            return readAt(ch, 0, (int) (size - 1));
        }
    }

    private static byte[] readAt(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            if (ch.read(buf, position + buf.position()) < 0) {
                throw new IOException("file shrank while reading its end");
            }
        }
        return buf.array();
    }
}
