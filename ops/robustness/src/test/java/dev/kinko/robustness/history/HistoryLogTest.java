package dev.kinko.robustness.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryLogTest {

    @TempDir
    Path dir;

    @Test
    void oneOpIsOneLineOfJson() {
        Op op = new Op(3, "k17", Op.Kind.WRITE, "v-3-120", 1200, 1350, Op.Outcome.OK, "");
        assertThat(HistoryLog.toJson(op)).isEqualTo("{\"client\":3,\"key\":\"k17\",\"kind\":\"WRITE\",\"value\":\"v-3-120\","
                + "\"invokeNanos\":1200,\"completeNanos\":1350,\"outcome\":\"OK\",\"reason\":\"\"}");
        assertThat(HistoryLog.fromJson(HistoryLog.toJson(op))).isEqualTo(op);
    }

    @Test
    void awkwardStringsAndNullsSurviveARoundTrip() {
        Op op = new Op(-1, "a \"key\"\\ with\ttabs\nand lines \u0001 é ☃ \u2028", Op.Kind.READ, null,
                Long.MIN_VALUE, Long.MAX_VALUE, Op.Outcome.UNKNOWN, "UNAVAILABLE: io exception / x");
        String json = HistoryLog.toJson(op);
        assertThat(json).doesNotContain("\n").doesNotContain("\u2028");
        assertThat(HistoryLog.fromJson(json)).isEqualTo(op);
    }

    @Test
    void readsFieldsInAnyOrderIgnoresUnknownOnesAndDefaultsTheOptional() {
        Op op = HistoryLog.fromJson(" { \"outcome\" : \"FAILED\", \"extra\": \"ignored\", \"kind\":\"WRITE\", \"key\":\"k\","
                + " \"more\": 12, \"client\": 2, \"invokeNanos\": 5, \"completeNanos\": 7 } ");
        assertThat(op).isEqualTo(new Op(2, "k", Op.Kind.WRITE, null, 5, 7, Op.Outcome.FAILED, ""));
        assertThat(HistoryLog.fromJson("{\"client\":1,\"key\":\"k\",\"kind\":\"READ\",\"value\":\"\\u0041\\/\","
                + "\"invokeNanos\":1,\"completeNanos\":2,\"outcome\":\"OK\",\"reason\":null}").value()).isEqualTo("A/");
    }

    @Test
    void aWholeHistoryRoundTripsThroughAFile() throws IOException {
        List<Op> history = RegisterHistories.generate(new Random(7), 4, 200, 5, 1_000_000, 1_000_000, true);
        Path file = dir.resolve("history.jsonl");
        HistoryLog.write(file, history);
        assertThat(Files.readAllLines(file)).hasSize(history.size());
        assertThat(HistoryLog.read(file)).isEqualTo(history);
    }

    @Test
    void theAppenderAddsToTheFileAndBlankLinesAreSkipped() throws IOException {
        Path file = dir.resolve("run.jsonl");
        Op a = new Op(0, "k", Op.Kind.WRITE, "a", 1, 2, Op.Outcome.OK, "");
        Op b = new Op(1, "k", Op.Kind.READ, "a", 3, 4, Op.Outcome.OK, "");
        try (HistoryLog.Appender out = HistoryLog.appender(file)) {
            out.append(a);
        }
        Files.writeString(file, "\n", java.nio.file.StandardOpenOption.APPEND);
        try (HistoryLog.Appender out = HistoryLog.appender(file)) {
            out.append(b);
        }
        assertThat(HistoryLog.read(file)).containsExactly(a, b);
    }

    @Test
    void aBadLineNamesTheFileAndLine() throws IOException {
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, HistoryLog.toJson(new Op(0, "k", Op.Kind.WRITE, "a", 1, 2, Op.Outcome.OK, ""))
                + "\n{\"client\":1,\"key\":\"k\"}\n");
        assertThatThrownBy(() -> HistoryLog.read(file)).isInstanceOf(IOException.class)
                .hasMessageContaining("bad.jsonl:2").hasMessageContaining("missing a required field");
        assertThatThrownBy(() -> HistoryLog.fromJson("{\"client\":\"x\"}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("client is not an integer");
        assertThatThrownBy(() -> HistoryLog.fromJson("{\"client\":1,}")).isInstanceOf(IllegalArgumentException.class);
    }
}
