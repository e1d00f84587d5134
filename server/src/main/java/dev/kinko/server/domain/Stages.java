package dev.kinko.server.domain;

/** The stage labels Kinko moves by itself. */
public final class Stages {
    private Stages() {}

    public static final String CURRENT = "CURRENT";
    public static final String PREVIOUS = "PREVIOUS";
    public static final String PENDING = "PENDING";
}
