package dev.kinko.server.rotation;

/**
 * A built-in rotator: what AWS's four steps do for one kind of secret. It runs on the primary
 * region's leader (never inside apply), one step at a time; a step may be run again after a
 * leader change or a failed attempt, so each must be safe to repeat. Nothing a rotator throws
 * may carry a secret value: its message is stored and shown by DescribeSecret.
 */
public interface Rotator {
    /**
     * createSecret: the new value (to become PENDING), made from CURRENT. Called again for every
     * attempt, so each attempt gets a fresh password.
     */
    String newValue(RotationContext context) throws RotationException;

    /** setSecret: makes the target system accept PENDING (a no-op when there is none). */
    void setSecret(RotationContext context) throws RotationException;

    /** testSecret: logs in with PENDING (a no-op when there is no target system). */
    void testSecret(RotationContext context) throws RotationException;

    /** finishSecret: anything the target system needs before CURRENT moves (usually nothing). */
    default void finishSecret(RotationContext context) throws RotationException {}

    /**
     * The other secret this rotator reads (by name, id or ARN), as CURRENT names it: the caller of
     * RotateSecret must be allowed to read it, and only it may be read during the rotation.
     */
    default java.util.Optional<String> otherSecret(RotationContext context) throws RotationException {
        return java.util.Optional.empty();
    }

    /** RotateSecret with rotate_immediately=false: checks this rotator can work with CURRENT. */
    void checkSetup(RotationContext context) throws RotationException;
}
