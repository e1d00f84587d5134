package dev.kinko.server.audit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks audit files as one hash chain: each line intact (its hash), numbered one past the line
 * before, and linked to it by {@code prev}, across files in first-seq order. The first line may
 * start mid-chain (older files removed by retention). A chain alone cannot show that its newest
 * lines were cut off, or that it was rewritten wholesale; anchors (heads replicated elsewhere)
 * can: each must match the line with its seq, and none may lie beyond the last line.
 */
public final class AuditVerifier {
    private AuditVerifier() {}

    public static VerifyResult verify(List<Path> files, List<ChainHead> anchors) throws IOException {
        Walk walk = new Walk(anchors);
        for (Path file : AuditFiles.sorted(files)) {
            VerifyResult.Break b = walk.file(file);
            if (b != null) {
                return walk.result(files.size(), b);
            }
        }
        return walk.result(files.size(), walk.tailCut());
    }

    /** The state of one verification: the last good line and the anchors not yet met. */
    private static final class Walk {
        private final TreeMap<Long, List<ChainHead>> anchors = new TreeMap<>();
        private long lines;
        private long startsAt;
        private long lastSeq;
        private String lastHash;
        private String lastFile = "";
        private long lastLine;

        Walk(List<ChainHead> given) {
            Map<Long, List<ChainHead>> bySeq = new HashMap<>();
            for (ChainHead a : given) {
                if (a.seq() >= 1) {
                    bySeq.computeIfAbsent(a.seq(), s -> new ArrayList<>()).add(a);
                }
            }
            anchors.putAll(bySeq);
        }

        VerifyResult.Break file(Path path) throws IOException {
            String name = path.getFileName().toString();
            if (lines == 0) {
                lastFile = name; // an empty log's tail cut names the last file given
            }
            long nameSeq = AuditFiles.firstSeq(path);
            AuditFiles.Content content = AuditFiles.read(path);
            List<byte[]> fileLines = content.lines();
            for (int i = 0; i < fileLines.size(); i++) {
                long expected = startsAt == 0 ? nameSeq + i : lastSeq + 1;
                AuditLines.Parsed p;
                try {
                    p = AuditLines.parse(fileLines.get(i));
                } catch (IllegalArgumentException e) {
                    return new VerifyResult.Break(name, i + 1, expected, "not a complete audit line (" + e.getMessage() + ")");
                }
                String reason = check(p, i, nameSeq, i + 1 < fileLines.size() ? fileLines.get(i + 1) : null, name);
                if (reason != null) {
                    return new VerifyResult.Break(name, i + 1, p.seq(), reason);
                }
                if (startsAt == 0) {
                    startsAt = p.seq();
                }
                lines++;
                lastSeq = p.seq();
                lastHash = p.hash();
                lastFile = name;
                lastLine = i + 1;
            }
            if (content.torn().length > 0) {
                return new VerifyResult.Break(name, fileLines.size() + 1, startsAt == 0 ? nameSeq : lastSeq + 1,
                        "torn last line (no newline: a crash mid-write; the chain goes on in the next file)");
            }
            return null;
        }

        /** Why a parsed line breaks the chain, or null. */
        private String check(AuditLines.Parsed p, int index, long nameSeq, byte[] next, String name) {
            if (!p.hashMatches()) {
                return "hash does not match (line edited)";
            }
            if (index == 0 && p.seq() != nameSeq) {
                return "the file's first line has seq " + p.seq() + " but its name says " + nameSeq + " (file renamed)";
            }
            if (p.seq() == 1 && !p.prev().equals(AuditLines.GENESIS)) {
                return "the chain's first line (seq 1) must have prev " + AuditLines.GENESIS;
            }
            if (startsAt != 0) {
                if (p.seq() != lastSeq + 1) {
                    return "seq " + p.seq() + " follows " + lastSeq + seqCause(p.seq(), index, next);
                }
                if (!p.prev().equals(lastHash)) {
                    return "prev does not match the previous line's hash (line removed or reordered)";
                }
            }
            for (ChainHead a : anchors.getOrDefault(p.seq(), List.of())) {
                if (!a.hash().equals(p.hash())) {
                    return "hash differs from the anchor for seq " + p.seq() + " (chain rewritten after it was anchored)";
                }
                if (!a.file().equals(name)) {
                    return "the anchor for seq " + p.seq() + " names " + a.file() + " but the line is in " + name;
                }
            }
            return null;
        }

        private String seqCause(long seq, int index, byte[] next) {
            if (seq <= lastSeq) {
                return " (lines reordered or repeated)";
            }
            try {
                if (next != null && AuditLines.parse(next).seq() == lastSeq + 1) {
                    return " (lines swapped or reordered)";
                }
            } catch (IllegalArgumentException e) {
                // the next line is damaged too; say what this one shows
            }
            return index == 0 ? ", the last of " + lastFile + " (a file or lines removed)" : " (line removed)";
        }

        /** The first anchor beyond the last line: the newest lines were cut off. */
        VerifyResult.Break tailCut() {
            Map.Entry<Long, List<ChainHead>> beyond = anchors.higherEntry(lastSeq);
            if (beyond == null) {
                return null;
            }
            long seq = beyond.getKey();
            if (lines == 0) {
                return new VerifyResult.Break(lastFile, 0, seq, "tail cut: the log is empty but an anchor records seq " + seq);
            }
            return new VerifyResult.Break(lastFile, lastLine + 1, lastSeq + 1, "tail cut: the log ends at line " + lastLine
                    + " of " + lastFile + " (seq " + lastSeq + ") but an anchor records seq " + seq);
        }

        VerifyResult result(int files, VerifyResult.Break broken) {
            return new VerifyResult(files, lines, startsAt, lastSeq, broken);
        }
    }
}
