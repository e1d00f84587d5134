package dev.kinko.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The shell sessions of a README section: {@code console} code blocks in which a line
 * {@code $ command} is typed and the lines after it, up to the next {@code $}, are what it
 * prints. In an expected line {@code ...} stands for any text; expected lines must appear in
 * the output in order (the output may hold more lines between them).
 */
final class ReadmeTranscript {
    record Step(String command, List<String> expected) {
        /** A step whose expected output is a kinko error line fails with exit code 1. */
        boolean expectsError() {
            return expected.stream().anyMatch(l -> l.startsWith("kinko: "));
        }

        /**
         * An output line that no README reader should see: a log line or a stack trace leaking into
         * a command's output, or for a failing step any line beyond the one-line error.
         */
        String noise(List<String> output) {
            for (String line : output) {
                if (NOISE.matcher(line).find()) {
                    return line;
                }
            }
            return expectsError() && output.size() > expected.size() ? output.get(output.size() - 1) : null;
        }

        /** The first expected line that the output does not show, in order; null when all match. */
        String firstMissing(List<String> output) {
            int at = 0;
            for (String want : expected) {
                Pattern p = pattern(want);
                while (at < output.size() && !p.matcher(output.get(at)).matches()) {
                    at++;
                }
                if (at == output.size()) {
                    return want;
                }
                at++;
            }
            return null;
        }
    }

    private static final Pattern NOISE = Pattern.compile(
            "^(WARNING|SEVERE|SLF4J|Exception|Caused by|\\tat |\\d{4}-\\d{2}-\\d{2}T.* (WARN|ERROR) |\\d{2}:\\d{2}:\\d{2}.* (WARN|ERROR) )");

    private ReadmeTranscript() {}

    /** The steps of every console block between the heading {@code section} and the next heading of its level. */
    static List<Step> steps(String markdown, String section) {
        List<String> lines = markdown.lines().toList();
        int start = lines.indexOf(section);
        if (start < 0) {
            throw new IllegalArgumentException("no heading '" + section + "'");
        }
        String level = section.substring(0, section.indexOf(' ') + 1);
        List<Step> steps = new ArrayList<>();
        boolean inBlock = false;
        String command = null;
        List<String> expected = new ArrayList<>();
        for (String line : lines.subList(start + 1, lines.size())) {
            if (!inBlock && line.startsWith(level)) {
                break;
            }
            if (!inBlock) {
                inBlock = line.equals("```console");
                continue;
            }
            if (line.equals("```") || line.startsWith("$ ")) {
                if (command != null) {
                    steps.add(new Step(command, List.copyOf(expected)));
                }
                command = line.startsWith("$ ") ? line.substring(2) : null;
                expected.clear();
                inBlock = !line.equals("```");
            } else if (command != null && !line.isBlank()) {
                expected.add(line);
            }
        }
        return steps;
    }

    private static Pattern pattern(String expected) {
        StringBuilder regex = new StringBuilder();
        String[] parts = expected.split(Pattern.quote("..."), -1);
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(parts[i]));
        }
        return Pattern.compile(regex.toString());
    }
}
