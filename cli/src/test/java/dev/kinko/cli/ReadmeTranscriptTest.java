package dev.kinko.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How README transcripts are read and matched (the README quickstart IT relies on it). */
class ReadmeTranscriptTest {
    static final String MARKDOWN = String.join("\n",
            "# Title", "## Quickstart", "text", "```sh", "$ not a step", "```",
            "```console", "$ export X=1", "$ kinko secret get a   # a comment", "hunter2", "",
            "$ kinko secret put a --value x", "kinko: REPLICA_READ_ONLY: ... primary region is tokyo", "```",
            "### sub heading stays in", "```console", "$ kinko region status", "region ...", "  link to osaka ...", "```",
            "## Next", "```console", "$ outside", "```");

    @Test
    void stepsAreTheConsoleBlocksOfTheSection() {
        List<ReadmeTranscript.Step> steps = ReadmeTranscript.steps(MARKDOWN, "## Quickstart");
        assertThat(steps).extracting(ReadmeTranscript.Step::command).containsExactly("export X=1",
                "kinko secret get a   # a comment", "kinko secret put a --value x", "kinko region status");
        assertThat(steps.get(0).expected()).isEmpty();
        assertThat(steps.get(1).expected()).containsExactly("hunter2");
        assertThat(steps.get(2).expectsError()).isTrue();
        assertThat(steps.get(1).expectsError()).isFalse();
    }

    @Test
    void expectedLinesMatchInOrderWithEllipsesForAnyText() {
        ReadmeTranscript.Step status = ReadmeTranscript.steps(MARKDOWN, "## Quickstart").get(3);
        assertThat(status.firstMissing(List.of("region tokyo (primary)", "other", "  link to osaka CONNECTED"))).isNull();
        assertThat(status.firstMissing(List.of("  link to osaka CONNECTED", "region tokyo"))).isEqualTo("  link to osaka ...");
        assertThat(status.firstMissing(List.of("region tokyo"))).isEqualTo("  link to osaka ...");
        ReadmeTranscript.Step refused = ReadmeTranscript.steps(MARKDOWN, "## Quickstart").get(2);
        assertThat(refused.firstMissing(List.of("kinko: REPLICA_READ_ONLY: secret a is a replica; its primary region is tokyo")))
                .isNull();
        assertThat(refused.firstMissing(List.of("kinko: REPLICA_READ_ONLY: primary region is osaka"))).isNotNull();
    }

    @Test
    void logLinesStackTracesAndExtraErrorLinesAreNoise() {
        List<ReadmeTranscript.Step> steps = ReadmeTranscript.steps(MARKDOWN, "## Quickstart");
        ReadmeTranscript.Step get = steps.get(1);
        assertThat(get.noise(List.of("hunter2"))).isNull();
        assertThat(get.noise(List.of("2026-11-28T22:06:46.275Z WARN  dev.kinko.client.RegionHealth - region down", "hunter2")))
                .startsWith("2026-11-28");
        assertThat(get.noise(List.of("WARNING: something", "hunter2"))).startsWith("WARNING");
        assertThat(get.noise(List.of("hunter2", "\tat dev.kinko.X.y(X.java:1)"))).startsWith("\tat");
        ReadmeTranscript.Step refused = steps.get(2);
        assertThat(refused.noise(List.of("kinko: REPLICA_READ_ONLY: ... primary region is tokyo"))).isNull();
        assertThat(refused.noise(List.of("kinko: REPLICA_READ_ONLY: primary region is tokyo", "and more"))).isEqualTo("and more");
    }

    @Test
    void theReadmeQuickstartHasStepsWithExpectedOutput() throws IOException {
        List<ReadmeTranscript.Step> steps = ReadmeTranscript.steps(Files.readString(Path.of("../README.md")), "## Quickstart");
        assertThat(steps).hasSizeGreaterThan(10);
        assertThat(steps).filteredOn(s -> !s.expected().isEmpty()).hasSizeGreaterThan(5);
    }
}
