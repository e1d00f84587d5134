package dev.kinko.robustness;

/**
 * One kind of fault: {@link #inject} breaks something, {@link #heal} repairs it. The nemesis calls
 * them in that order, once each per round; {@link #target} names what was hit (after inject).
 */
interface Fault {
    /** A short stable name for the summary, e.g. {@code kill-leader}. */
    String name();

    void inject() throws Exception;

    void heal() throws Exception;

    /** What the last inject hit, e.g. {@code tokyo-2 (leader)}. */
    String target();

    /** How long the fault stays in before heal. */
    default java.time.Duration hold() {
        return java.time.Duration.ofSeconds(5);
    }

    /** Empty when the fault can run here; else why it is skipped (no root, no libfaketime, ...). */
    default String unavailable() {
        return "";
    }
}
