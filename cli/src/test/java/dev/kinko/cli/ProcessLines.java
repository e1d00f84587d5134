package dev.kinko.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A started process's output, line by line, read on a daemon thread (the process never blocks on a full pipe). */
final class ProcessLines {
    private ProcessLines() {}

    /** Every line the process prints, as it prints them. */
    static List<String> collect(Process p) {
        List<String> lines = new CopyOnWriteArrayList<>();
        pipe(p, lines::add);
        return lines;
    }

    static void pipe(Process p, Consumer<String> into) {
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    into.accept(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
    }
}
