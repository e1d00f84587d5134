package dev.kinko.server.audit;

import static dev.kinko.server.audit.AuditTesting.lines;
import static dev.kinko.server.audit.AuditTesting.name;
import static dev.kinko.server.audit.AuditTesting.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each way of tampering with a log is found, and named by file, line and seq. */
class AuditVerifierTest {
    static final int EVENTS = 300;

    @TempDir
    Path tmp;
    List<Path> files;
    ChainHead head;

    @BeforeEach
    void log() throws Exception {
        files = AuditTesting.writeLog(tmp.resolve("audit"), EVENTS, 16 * 1024);
        assertThat(files).hasSizeGreaterThan(4);
        List<String> last = lines(files.get(files.size() - 1));
        head = new ChainHead(name(files.get(files.size() - 1)), EVENTS,
                last.get(last.size() - 1).replaceAll(".*\"hash\":\"([0-9a-f]{64})\"}$", "$1"));
        assertThat(AuditVerifier.verify(files, List.of(head)).ok()).isTrue();
    }

    VerifyResult.Break verify(List<Path> given, ChainHead... anchors) throws Exception {
        VerifyResult r = AuditVerifier.verify(given, List.of(anchors));
        assertThat(r.ok()).isFalse();
        return r.broken();
    }

    @Test
    void anEditedFieldBreaksTheHashOfItsLine() throws Exception {
        Path f = files.get(1);
        List<String> lines = lines(f);
        lines.set(4, lines.get(4).replaceFirst("\"outcome\":\"(allowed|denied)\"", "\"outcome\":\"error\""));
        write(f, lines);

        assertThat(verify(files)).isEqualTo(new VerifyResult.Break(name(f), 5, AuditFiles.firstSeq(f) + 4,
                "hash does not match (line edited)"));
    }

    @Test
    void aRemovedLineLeavesAGapInSeq() throws Exception {
        Path f = files.get(0);
        List<String> lines = lines(f);
        lines.remove(9);
        write(f, lines);

        assertThat(verify(files)).isEqualTo(new VerifyResult.Break(name(f), 10, 11, "seq 11 follows 9 (line removed)"));
    }

    @Test
    void aSwappedPairIsFoundAtTheFirstLineOutOfPlace() throws Exception {
        Path f = files.get(0);
        List<String> lines = lines(f);
        Collections.swap(lines, 5, 6);
        write(f, lines);

        assertThat(verify(files)).isEqualTo(new VerifyResult.Break(name(f), 6, 7,
                "seq 7 follows 5 (lines swapped or reordered)"));
    }

    @Test
    void aForgedLineWithItsOwnValidHashDoesNotLinkToThePreviousOne() throws Exception {
        Path f = files.get(0);
        List<String> lines = lines(f);
        String forged = new String(AuditLines.format(10, AuditTesting.NODE, AuditTesting.event(999), AuditLines.GENESIS)
                .bytes(), StandardCharsets.UTF_8).strip();
        lines.set(9, forged);
        write(f, lines);

        assertThat(verify(files)).isEqualTo(new VerifyResult.Break(name(f), 10, 10,
                "prev does not match the previous line's hash (line removed or reordered)"));
    }

    /**
     * Why anchors exist: removing the newest lines leaves a shorter chain that is valid in itself,
     * so only a head recorded elsewhere shows that lines are missing.
     */
    @Test
    void aCutTailIsFoundOnlyThroughAnAnchor() throws Exception {
        Path f = files.get(files.size() - 1);
        List<String> lines = lines(f);
        int kept = lines.size() - 3;
        write(f, lines.subList(0, kept));

        VerifyResult withoutAnchor = AuditVerifier.verify(files, List.of());
        assertThat(withoutAnchor.ok()).isTrue();
        assertThat(withoutAnchor.endsAt()).isEqualTo(EVENTS - 3);

        assertThat(verify(files, head)).isEqualTo(new VerifyResult.Break(name(f), kept + 1, EVENTS - 2,
                "tail cut: the log ends at line " + kept + " of " + name(f) + " (seq " + (EVENTS - 3)
                        + ") but an anchor records seq " + EVENTS));
    }

    @Test
    void aRewrittenChainDoesNotMatchItsAnchor() throws Exception {
        // a whole other chain of the same length: valid in itself, with different hashes
        List<Path> other = new ArrayList<>();
        try (AuditLog log = AuditLog.open(tmp.resolve("other"), AuditTesting.NODE, 16 * 1024)) {
            for (int i = 1; i <= EVENTS; i++) {
                log.append(AuditTesting.event(i + 1));
            }
        }
        other.addAll(AuditFiles.list(tmp.resolve("other")));
        assertThat(AuditVerifier.verify(other, List.of()).ok()).isTrue();

        VerifyResult.Break b = verify(other, head);
        assertThat(b.seq()).isEqualTo(EVENTS);
        assertThat(b.reason()).isEqualTo("hash differs from the anchor for seq 300 (chain rewritten after it was anchored)");
    }

    @Test
    void aRemovedMiddleFileIsFoundAtTheFirstLineOfTheNextFile() throws Exception {
        List<Path> given = new ArrayList<>(files);
        given.remove(2);
        Path next = files.get(3);

        assertThat(verify(given)).isEqualTo(new VerifyResult.Break(name(next), 1, AuditFiles.firstSeq(next),
                "seq " + AuditFiles.firstSeq(next) + " follows " + (AuditFiles.firstSeq(files.get(2)) - 1)
                        + ", the last of " + name(files.get(1)) + " (a file or lines removed)"));
    }

    @Test
    void oldFilesRemovedByRetentionLeaveAChainThatStartsMidway() throws Exception {
        List<Path> kept = files.subList(2, files.size());
        Files.delete(files.get(0));
        Files.delete(files.get(1));

        VerifyResult r = AuditVerifier.verify(kept, List.of(head));
        assertThat(r.ok()).isTrue();
        assertThat(r.startsAt()).isEqualTo(AuditFiles.firstSeq(files.get(2)));
        assertThat(r.endsAt()).isEqualTo(EVENTS);
    }

    @Test
    void filesGivenInAnyOrderAreVerifiedInSeqOrder() throws Exception {
        List<Path> shuffled = new ArrayList<>(files);
        Collections.reverse(shuffled);
        assertThat(AuditVerifier.verify(shuffled, List.of(head)).ok()).isTrue();
    }
}
