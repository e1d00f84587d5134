package dev.kinko.example.rotator;

import dev.kinko.client.KinkoClient;
import dev.kinko.client.KinkoException;
import dev.kinko.proto.v1.DescribeSecretRequest;
import dev.kinko.proto.v1.GetRandomPasswordRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.ReceiveRotationJobsResponse;
import dev.kinko.proto.v1.SecretVersionInfo;
import io.grpc.Status;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * AWS's four rotation steps for a PostgreSQL user that changes its own password (the "single
 * user" Lambda template), through the Kinko client. The region may send a step again (after a
 * leader change, or when a report was lost), so every step can be repeated safely.
 */
final class PostgresUserSteps {
    /** Characters that break connection strings, URIs or quoting; AWS's templates leave them out too. */
    static final String EXCLUDED_CHARACTERS = ":/@\"'\\";
    static final String CURRENT = "CURRENT";
    static final String PENDING = "PENDING";
    static final String PREVIOUS = "PREVIOUS";

    private final KinkoClient kinko;

    PostgresUserSteps(KinkoClient kinko) {
        this.kinko = kinko;
    }

    void run(ReceiveRotationJobsResponse job) throws StepFailure {
        switch (job.getStep()) {
            case ROTATION_STEP_CREATE_SECRET -> createSecret(job);
            case ROTATION_STEP_SET_SECRET -> setSecret(job);
            case ROTATION_STEP_TEST_SECRET -> testSecret(job);
            case ROTATION_STEP_FINISH_SECRET -> finishSecret(job);
            default -> throw new StepFailure("unknown step " + job.getStep());
        }
    }

    /** Puts the new value as PENDING under the rotation's token, unless an earlier run did. */
    void createSecret(ReceiveRotationJobsResponse job) throws StepFailure {
        if (valueOfVersion(job).isPresent()) {
            return;
        }
        PostgresSecret current = PostgresSecret.parse(value(job, CURRENT).orElseThrow(() ->
                new StepFailure("createSecret: the secret has no CURRENT value")), CURRENT);
        String password = kinko.getRandomPassword(GetRandomPasswordRequest.newBuilder()
                .setExcludeCharacters(EXCLUDED_CHARACTERS).build()).getRandomPassword();
        // the token as client request token: a repeat of this put is the same write, not a second version
        kinko.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(job.getSecretId())
                .setClientRequestToken(job.getToken()).setSecretString(current.withPassword(password))
                .addVersionStages(PENDING).build());
    }

    /** Makes the database take PENDING's password, logging in with PENDING, CURRENT or PREVIOUS. */
    void setSecret(ReceiveRotationJobsResponse job) throws StepFailure {
        String step = "setSecret";
        if (alreadyCurrent(job, step)) {
            return;
        }
        PostgresSecret current = PostgresSecret.parse(value(job, CURRENT).orElse(null), CURRENT);
        PostgresSecret pending = PostgresSecret.parse(valueOfVersion(job).orElse(null), PENDING);
        if (!pending.sameUserAndServer(current)) {
            throw new StepFailure(step + ": PENDING (" + pending + ") must name the user and server of CURRENT ("
                    + current + ")");
        }
        if (Postgres.logsIn(pending, step)) {
            return; // an earlier run got as far as the database
        }
        for (String password : oldPasswords(job, current)) {
            // PENDING's server and user with an old password: an old value never picks the server
            Optional<Connection> session = Postgres.tryLogin(pending.loggingInWith(password), step);
            if (session.isPresent()) {
                try {
                    Postgres.setPassword(session.get(), pending.username, pending.password, step);
                } finally {
                    Postgres.closeQuietly(session.get());
                }
                return;
            }
        }
        throw new StepFailure(step + ": none of PENDING, CURRENT and PREVIOUS logs in as " + pending);
    }

    /** PENDING logs in and can run a query. */
    void testSecret(ReceiveRotationJobsResponse job) throws StepFailure {
        if (alreadyCurrent(job, "testSecret")) {
            return;
        }
        Postgres.selectOne(PostgresSecret.parse(valueOfVersion(job).orElse(null), PENDING), "testSecret");
    }

    /** Nothing to do here: the region moves CURRENT to the new version when this step is reported. */
    void finishSecret(ReceiveRotationJobsResponse job) {
    }

    /** CURRENT's password, then PREVIOUS's when there is one that parses. */
    private List<String> oldPasswords(ReceiveRotationJobsResponse job, PostgresSecret current) {
        List<String> passwords = new ArrayList<>(List.of(current.password));
        try {
            Optional<String> previous = value(job, PREVIOUS);
            if (previous.isPresent()) {
                passwords.add(PostgresSecret.parse(previous.get(), PREVIOUS).password);
            }
        } catch (StepFailure e) {
            // PREVIOUS is only a guess at what the database holds
        }
        return passwords;
    }

    /**
     * As AWS's templates check: the rotation's version is CURRENT already (a late repeat of a step)
     * → nothing to do; it must be PENDING otherwise.
     */
    private boolean alreadyCurrent(ReceiveRotationJobsResponse job, String step) throws StepFailure {
        List<String> stages = kinko.describeSecret(DescribeSecretRequest.newBuilder().setSecretId(job.getSecretId())
                .build()).getSecret().getVersionsList().stream().filter(v -> v.getVersionId().equals(job.getToken()))
                .findFirst().map(SecretVersionInfo::getVersionStagesList).map(List::copyOf).orElse(List.of());
        if (stages.contains(CURRENT)) {
            return true;
        }
        if (!stages.contains(PENDING)) {
            throw new StepFailure(step + ": version " + job.getToken() + " is not PENDING");
        }
        return false;
    }

    private Optional<String> valueOfVersion(ReceiveRotationJobsResponse job) {
        return read(GetSecretValueRequest.newBuilder().setSecretId(job.getSecretId()).setVersionId(job.getToken()));
    }

    private Optional<String> value(ReceiveRotationJobsResponse job, String stage) {
        return read(GetSecretValueRequest.newBuilder().setSecretId(job.getSecretId()).setVersionStage(stage));
    }

    /** The string value, or empty when no such version or stage exists. */
    private Optional<String> read(GetSecretValueRequest.Builder request) {
        try {
            return Optional.of(kinko.getSecretValue(request.build()).getSecretString());
        } catch (KinkoException e) {
            if (e.code() == Status.Code.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }
}
