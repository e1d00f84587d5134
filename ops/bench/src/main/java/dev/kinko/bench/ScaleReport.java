package dev.kinko.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The scale bench's report: sections of (metric, value) rows, tables and notes, written as
 * {@code report.md} (for people) and {@code report.tsv} (section, metric, value: for comparing
 * two runs) after every phase, so a run that dies still leaves what it measured.
 */
final class ScaleReport {
    /** A table in a section; its rows also go to the TSV as "first cell + column". */
    static final class Table {
        final List<String> columns;
        final List<List<String>> rows = new ArrayList<>();

        Table(String... columns) {
            this.columns = List.of(columns);
        }

        synchronized void add(Object... cells) {
            rows.add(Arrays.stream(cells).map(String::valueOf).toList());
        }
    }

    /** One phase (or the summary, or the setup). */
    static final class Section {
        final String title;
        volatile String status = "";
        final List<String[]> rows = new ArrayList<>();
        final List<Table> tables = new ArrayList<>();
        final List<String> notes = new ArrayList<>();

        Section(String title) {
            this.title = title;
        }

        synchronized void row(String metric, Object value) {
            rows.add(new String[] {metric, String.valueOf(value)});
        }

        synchronized Table table(String... columns) {
            Table t = new Table(columns);
            tables.add(t);
            return t;
        }

        synchronized void note(String text) {
            notes.add(text);
        }
    }

    private final Path dir;
    private final String title;
    private final List<Section> sections = new ArrayList<>();

    ScaleReport(Path dir, String title) {
        this.dir = dir;
        this.title = title;
    }

    synchronized Section section(String title) {
        Section s = new Section(title);
        sections.add(s);
        return s;
    }

    synchronized String markdown() {
        StringBuilder md = new StringBuilder("# ").append(title).append("\n");
        for (Section s : sections) {
            synchronized (s) {
                md.append("\n## ").append(s.title).append("\n\n");
                if (!s.status.isEmpty()) {
                    md.append("**").append(s.status).append("**\n\n");
                }
                if (!s.rows.isEmpty()) {
                    md.append("| metric | value |\n|---|---|\n");
                    for (String[] r : s.rows) {
                        md.append("| ").append(cell(r[0])).append(" | ").append(cell(r[1])).append(" |\n");
                    }
                    md.append('\n');
                }
                for (Table t : s.tables) {
                    synchronized (t) {
                        md.append("| ").append(String.join(" | ", t.columns)).append(" |\n|")
                                .append("---|".repeat(t.columns.size())).append('\n');
                        for (List<String> r : t.rows) {
                            md.append("| ").append(String.join(" | ", r.stream().map(ScaleReport::cell).toList())).append(" |\n");
                        }
                        md.append('\n');
                    }
                }
                for (String n : s.notes) {
                    md.append("- ").append(n).append('\n');
                }
            }
        }
        return md.toString();
    }

    synchronized String tsv() {
        StringBuilder out = new StringBuilder("section\tmetric\tvalue\n");
        for (Section s : sections) {
            synchronized (s) {
                if (!s.status.isEmpty()) {
                    out.append(tsvLine(s.title, "status", s.status));
                }
                for (String[] r : s.rows) {
                    out.append(tsvLine(s.title, r[0], r[1]));
                }
                for (Table t : s.tables) {
                    synchronized (t) {
                        for (List<String> r : t.rows) {
                            for (int c = 1; c < r.size() && c < t.columns.size(); c++) {
                                out.append(tsvLine(s.title, r.get(0) + " " + t.columns.get(c), r.get(c)));
                            }
                        }
                    }
                }
            }
        }
        return out.toString();
    }

    private static String cell(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }

    private static String tsvLine(String section, String metric, String value) {
        return section.replace('\t', ' ') + "\t" + metric.replace('\t', ' ') + "\t" + value.replace('\t', ' ').replace('\n', ' ') + "\n";
    }

    synchronized void write() {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("report.md"), markdown());
            Files.writeString(dir.resolve("report.tsv"), tsv());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
