package dev.kinko.server.audit;

/**
 * What {@link AuditVerifier#verify} found: how much of the chain holds, and the first bad place
 * if any ({@code broken} is null when the chain is whole).
 *
 * @param lines the lines verified before the first bad place (all of them when ok)
 * @param startsAt the first line's seq; above 1 when older files were removed by retention; 0 if no line
 * @param endsAt the last verified line's seq; 0 if none
 */
public record VerifyResult(int files, long lines, long startsAt, long endsAt, Break broken) {
    /** The first bad place: a file name, a 1-based line number within it, the seq there, and a one-line reason. */
    public record Break(String file, long line, long seq, String reason) {}

    public boolean ok() {
        return broken == null;
    }
}
