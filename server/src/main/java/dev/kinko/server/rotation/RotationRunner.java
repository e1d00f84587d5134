package dev.kinko.server.rotation;

import dev.kinko.proto.raft.v1.CommandResult;
import dev.kinko.proto.raft.v1.NewVersion;
import dev.kinko.proto.raft.v1.RotationRecord;
import dev.kinko.proto.raft.v1.RotationStepCommand;
import dev.kinko.proto.raft.v1.SecretRecord;
import dev.kinko.proto.raft.v1.StartRotationCommand;
import dev.kinko.proto.v1.ReceiveRotationJobsResponse;
import dev.kinko.proto.v1.ReportRotationStepRequest;
import dev.kinko.proto.v1.ReportRotationStepResponse;
import dev.kinko.proto.v1.RotationStep;
import dev.kinko.server.consensus.RaftNode;
import dev.kinko.server.crypto.EnvelopeCipher;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.Stages;
import dev.kinko.server.domain.StateQueries;
import dev.kinko.server.domain.rotation.NextRotation;
import dev.kinko.server.frontend.Proposer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs rotations on the primary region's leader. Every decision is a replicated command (start,
 * each step's outcome), so a new leader picks up the rotation where the state says it is: the
 * step a leader was running when it died is run again, and a step already recorded is not.
 * Built-in rotators run here, on worker threads; an external rotator gets each step as a job and
 * reports back through {@link #report}.
 */
public final class RotationRunner {
    private static final Logger LOG = LoggerFactory.getLogger(RotationRunner.class);
    /** Secrets looked at per tick at most; the rest are due at the next one. */
    static final int DUE_BATCH = 64;
    /** A rotation goes through at most this many commands in one go (start + four steps). */
    private static final int STEPS_PER_RUN = 5;

    private final String region;
    private final RaftNode raft;
    private final StateQueries state;
    private final Proposer proposer;
    private final EnvelopeCipher cipher;
    private final RotationValues values;
    private final ExternalRotators external;
    private final RotationSettings settings;
    private final ExecutorService workers;
    /** Secrets a worker is advancing now: one at a time per secret on this node. */
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    /** External jobs sent and not reported yet, by secret id. */
    private final Map<String, Job> outstanding = new ConcurrentHashMap<>();
    private final AtomicLong attemptFailures = new AtomicLong();
    private final AtomicLong rotationsFailed = new AtomicLong();
    private final AtomicLong rotationsCompleted = new AtomicLong();

    /** A step for an external rotator: sent (waiting for its report) or not yet (waiting for a subscriber). */
    private record Job(String token, RotationStep step, int attempt, long deadlineMillis, boolean sent,
                       boolean reported) {
        boolean isFor(RotationRecord r) {
            return token.equals(r.getToken()) && step == r.getStep() && attempt == r.getAttempts();
        }

        Job asReported() {
            return new Job(token, step, attempt, deadlineMillis, sent, true);
        }
    }

    public RotationRunner(String region, RaftNode raft, StateQueries state, Proposer proposer, EnvelopeCipher cipher,
                          ExternalRotators external, RotationSettings settings, ExecutorService workers) {
        this.region = region;
        this.raft = raft;
        this.state = state;
        this.proposer = proposer;
        this.cipher = cipher;
        this.values = new RotationValues(state, cipher);
        this.external = external;
        this.settings = settings;
        this.workers = workers;
    }

    private void submit(Runnable task) {
        try {
            workers.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            running.clear(); // the node is closing
        }
    }

    RotationValues values() {
        return values;
    }

    /** Looks for due rotations and steps; called every {@link RotationSettings#checkInterval()}. */
    public void tick() {
        try {
            if (!raft.isLeaderReady()) {
                outstanding.clear(); // the next leader sends its own jobs
                return;
            }
            for (String id : state.rotationsDue(region, proposer.housekeepingNow(), DUE_BATCH)) {
                kick(id);
            }
        } catch (RuntimeException e) { // a failed tick must not end the schedule
            LOG.warn("looking for due rotations failed; will retry: {}", e.getMessage());
        }
    }

    /** Advances the secret's rotation on a worker unless one is at it already. */
    void kick(String secretId) {
        if (running.add(secretId)) {
            submit(() -> {
                try {
                    advance(secretId);
                } catch (RuntimeException e) {
                    LOG.warn("rotation of secret {} could not go on; will retry: {}", secretId, e.getMessage());
                } finally {
                    running.remove(secretId);
                }
            });
        }
    }

    /** Takes the rotation as far as it can go now: start, then steps, until it waits or is done. */
    private void advance(String secretId) {
        for (int i = 0; i < STEPS_PER_RUN && raft.isLeaderReady(); i++) {
            SecretRecord secret = state.secretById(secretId).orElse(null);
            if (secret == null || !secret.getPrimaryRegion().equals(region) || secret.getDeletionDateMillis() != 0) {
                return;
            }
            RotationRecord r = secret.getRotation();
            long now = proposer.housekeepingNow();
            if (r.getFailed()) {
                return;
            }
            if (r.getToken().isEmpty()) {
                if (!r.getEnabled() || r.getNextRotationMillis() == 0 || r.getNextRotationMillis() > now) {
                    return;
                }
                if (!start(secretId, r.getNextRotationMillis())) {
                    return;
                }
                continue;
            }
            if (r.getNextAttemptMillis() > now) {
                return;
            }
            if (Rotators.isExternal(r.getRotator())) {
                sendJob(secret, r, now);
                return;
            }
            if (!record(runBuiltIn(secret, r))) {
                return;
            }
        }
    }

    private boolean start(String secretId, long due) {
        try {
            proposer.submit(proposer.command().setStartRotation(StartRotationCommand.newBuilder()
                    .setSecretId(secretId).setToken(UUID.randomUUID().toString()).setDueMillis(due))).join();
            return true;
        } catch (RuntimeException e) {
            LOG.debug("rotation of {} not started: {}", secretId, e.getMessage());
            return false;
        }
    }

    /** Runs one step of a built-in rotator and returns the command that records its outcome. */
    private RotationStepCommand.Builder runBuiltIn(SecretRecord secret, RotationRecord r) {
        RotationStepCommand.Builder outcome = outcome(secret, r);
        try {
            Rotator rotator = builtIn(r.getRotator());
            RotationContext context = values.context(secret, r);
            switch (r.getStep()) {
                case ROTATION_STEP_CREATE_SECRET -> {
                    if (context.pending() == null) {
                        byte[] value = rotator.newValue(context).getBytes(StandardCharsets.UTF_8);
                        outcome.setVersion(NewVersion.newBuilder().setVersionId(r.getToken()).addStages(Stages.PENDING)
                                .setValue(cipher.seal(secret.getId(), r.getToken(), value, false)));
                    }
                }
                case ROTATION_STEP_SET_SECRET -> rotator.setSecret(context);
                case ROTATION_STEP_TEST_SECRET -> rotator.testSecret(context);
                case ROTATION_STEP_FINISH_SECRET -> rotator.finishSecret(context);
                default -> throw new RotationException("unknown step " + r.getStep());
            }
        } catch (RotationException e) {
            outcome.setError(e.getMessage());
        } catch (KinkoException e) {
            outcome.setError(e.getMessage()); // our own refusals (password options) carry no value
        } catch (RuntimeException e) {
            // a library's message may quote a value (a JSON parser's does): keep only its kind
            outcome.setError(NextRotation.stepName(r.getStep()) + " failed: " + e.getClass().getSimpleName());
        }
        return outcome;
    }

    static Rotator builtIn(String name) throws RotationException {
        Optional<Rotator> rotator = Rotators.resolve(name);
        if (rotator.isEmpty()) {
            throw new RotationException("rotator " + name + " is not a built-in rotator");
        }
        return rotator.get();
    }

    /** The command for this step of {@code r}, with what a failure needs (the handler may judge one). */
    private RotationStepCommand.Builder outcome(SecretRecord secret, RotationRecord r) {
        long now = proposer.housekeepingNow();
        return RotationStepCommand.newBuilder().setSecretId(secret.getId()).setToken(r.getToken()).setStep(r.getStep())
                .setRetryToken(UUID.randomUUID().toString())
                .setNextAttemptMillis(now + settings.backoff(r.getAttempts()).toMillis())
                .setMaxAttempts(settings.maxAttempts())
                .setNextRotationMillis(r.getEnabled() && r.hasRules()
                        ? NextRotation.after(r.getRules(), now, now, ThreadLocalRandom.current()) : 0);
    }

    /** Proposes a step's outcome; true when it took effect and the rotation may go on at once. */
    private boolean record(RotationStepCommand.Builder outcome) {
        CommandResult result = proposer.submit(proposer.command().setRotationStep(outcome)).join();
        if (result.getCount() == 0) {
            return false; // the rotation was elsewhere already
        }
        SecretRecord after = state.secretById(outcome.getSecretId()).orElse(null);
        RotationRecord r = after == null ? RotationRecord.getDefaultInstance() : after.getRotation();
        boolean finished = outcome.getStep() == RotationStep.ROTATION_STEP_FINISH_SECRET && r.getToken().isEmpty();
        boolean advanced = r.getToken().equals(outcome.getToken()) && r.getStep() != outcome.getStep();
        if (r.getFailed() || !(finished || advanced)) { // the handler may judge a reported success a failure
            attemptFailures.incrementAndGet();
            if (r.getFailed()) {
                rotationsFailed.incrementAndGet();
                LOG.warn("rotation of secret {} failed after {} attempts: {}", outcome.getSecretId(), r.getAttempts(),
                        r.getLastError());
            } else {
                LOG.info("rotation of secret {}: {} failed (attempt {}); retrying at {}", outcome.getSecretId(),
                        NextRotation.stepName(outcome.getStep()), r.getAttempts() - 1, r.getNextAttemptMillis());
            }
            return false;
        }
        if (outcome.getStep() == RotationStep.ROTATION_STEP_FINISH_SECRET) {
            rotationsCompleted.incrementAndGet();
            LOG.info("rotated secret {}: version {} is CURRENT", outcome.getSecretId(), outcome.getToken());
        }
        return true;
    }

    // --- external rotators -------------------------------------------------------------

    /**
     * Sends the step to a subscriber of the rotator, or waits for one: a rotator restarting or
     * reconnecting has {@link RotationSettings#externalStepTimeout()} to take the job and report
     * it before the attempt counts as failed.
     */
    private void sendJob(SecretRecord secret, RotationRecord r, long now) {
        Job job = outstanding.get(secret.getId());
        boolean same = job != null && job.isFor(r);
        if (same && job.reported()) {
            return; // read before the report was recorded: the next step is sent from the state after it
        }
        if (same && now >= job.deadlineMillis()) {
            outstanding.remove(secret.getId());
            String name = Rotators.externalName(r.getRotator());
            record(outcome(secret, r).setError(job.sent()
                    ? "external rotator " + name + " did not report " + NextRotation.stepName(r.getStep()) + " within "
                            + settings.externalStepTimeout().toSeconds() + " s"
                    : "no external rotator " + name + " allowed to rotate this secret was subscribed to the leader"
                            + " within " + settings.externalStepTimeout().toSeconds() + " s"));
            return;
        }
        if (same && job.sent()) {
            return; // waiting for its report
        }
        ReceiveRotationJobsResponse message = ReceiveRotationJobsResponse.newBuilder().setSecretId(secret.getId())
                .setName(secret.getName()).setToken(r.getToken()).setStep(r.getStep()).setAttempt(r.getAttempts()).build();
        long deadline = same ? job.deadlineMillis() : now + settings.externalStepTimeout().toMillis();
        boolean sent = external.send(Rotators.externalName(r.getRotator()), message);
        outstanding.put(secret.getId(), new Job(r.getToken(), r.getStep(), r.getAttempts(), sent
                ? now + settings.externalStepTimeout().toMillis() : deadline, sent, false));
    }

    /** An external rotator's report, on the leader: recorded if the rotation is still at that step. */
    public CompletableFuture<ReportRotationStepResponse> report(ReportRotationStepRequest report) {
        SecretRecord secret = state.resolve(report.getSecretId()).orElseThrow(() ->
                new KinkoException(Reason.SECRET_NOT_FOUND, "secret " + report.getSecretId() + " not found"));
        RotationRecord r = secret.getRotation();
        if (!Rotators.isExternal(r.getRotator()) || !r.getToken().equals(report.getToken())
                || r.getStep() != report.getStep() || r.getFailed()) {
            return CompletableFuture.completedFuture(ReportRotationStepResponse.newBuilder().setAccepted(false).build());
        }
        RotationStepCommand.Builder outcome = outcome(secret, r).setError(report.getErrorMessage());
        return CompletableFuture.supplyAsync(() -> {
            boolean goOn = record(outcome);
            // only the reported job: a tick may have sent the next step between the record and here. It
            // stays, marked, so a tick that read the state before the record does not send it again.
            outstanding.computeIfPresent(secret.getId(), (id, job) -> job.isFor(r) ? job.asReported() : job);
            if (goOn) {
                kick(secret.getId());
            }
            return ReportRotationStepResponse.newBuilder().setAccepted(true).build();
        }, workers);
    }

    // --- metrics ----------------------------------------------------------------------

    /** Step attempts that failed on this node while it led. */
    public long attemptFailures() {
        return attemptFailures.get();
    }

    /** Rotations this node marked failed (they gave up after their attempts). */
    public long rotationsFailed() {
        return rotationsFailed.get();
    }

    public long rotationsCompleted() {
        return rotationsCompleted.get();
    }
}
