package dev.kinko.server.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Events, logs and line edits for the audit tests. */
final class AuditTesting {
    static final String NODE = "tokyo-1";

    private AuditTesting() {}

    static AuditEvent event(int i) {
        return new AuditEvent(Instant.parse("2025-01-01T00:00:00Z").plusMillis(i), NODE, "svc-" + (i % 7), "acc-" + i,
                "10.0.0." + (i % 250) + ":5" + i, "GetSecretValue", "prod/db/password-" + i, i % 3 == 0 ? "" : "v" + i,
                i % 5 == 0 ? AuditEvent.DENIED : AuditEvent.ALLOWED, i % 5 == 0 ? "ACCESS_DENIED" : "", "req-" + i);
    }

    /** A closed log of {@code count} events in {@code dir}. */
    static List<Path> writeLog(Path dir, int count, long maxFileBytes) throws IOException {
        try (AuditLog log = AuditLog.open(dir, NODE, maxFileBytes)) {
            for (int i = 1; i <= count; i++) {
                log.append(event(i));
            }
        }
        return AuditFiles.list(dir);
    }

    static List<String> lines(Path file) throws IOException {
        return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    static void write(Path file, List<String> lines) throws IOException {
        Files.writeString(file, String.join("\n", lines) + (lines.isEmpty() ? "" : "\n"), StandardCharsets.UTF_8);
    }

    static String name(Path file) {
        return file.getFileName().toString();
    }
}
