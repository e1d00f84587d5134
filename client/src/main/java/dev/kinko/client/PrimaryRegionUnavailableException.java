package dev.kinko.client;

import io.grpc.Status;

/**
 * A write could not be sent because the secret's primary region, the only region that
 * takes its writes, is unreachable (or is not among the client's regions). Reads keep
 * working from replica regions; writes wait for the primary region or for an operator
 * to promote a replica region.
 */
public class PrimaryRegionUnavailableException extends KinkoException {
    public static final String REASON = "PRIMARY_REGION_UNAVAILABLE";

    private final String region;

    public PrimaryRegionUnavailableException(String region, String message, Throwable cause) {
        super(REASON, Status.Code.UNAVAILABLE, REASON + ": " + message, cause);
        this.region = region;
    }

    /** The primary region that could not be reached. */
    public String region() {
        return region;
    }
}
