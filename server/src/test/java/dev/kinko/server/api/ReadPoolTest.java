package dev.kinko.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.kinko.server.rpc.Statuses;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The readers' queue holds at most its bound; one more read is refused at once as OVERLOADED. */
class ReadPoolTest {
    static final long WAIT_SECONDS = 30;

    static CompletableFuture<Void> ready() {
        return CompletableFuture.completedFuture(null);
    }

    /** A read that holds its thread until {@code release}; {@code running} counts down when it starts. */
    static Supplier<String> blocking(CountDownLatch running, CountDownLatch release) {
        return () -> {
            running.countDown();
            try {
                release.await(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "blocked";
        };
    }

    static StatusRuntimeException failure(CompletableFuture<?> f) {
        assertThat(f).isCompletedExceptionally();
        return ErrorMapper.toStatus(f.handle((v, e) -> e).join());
    }

    @Test
    void theQueueTakesItsBoundAndRefusesOneMoreAtOnce() throws Exception {
        try (ReadPool pool = new ReadPool("tokyo-1", 1, 2)) {
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<String> busy = pool.after(ready(), blocking(running, release));
            assertThat(running.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("the one reader thread is busy").isTrue();

            CompletableFuture<String> first = pool.after(ready(), () -> "first");
            CompletableFuture<String> second = pool.after(ready(), () -> "second");
            assertThat(pool.queued()).as("the queue at its bound").isEqualTo(2);
            assertThat(first).isNotDone();
            assertThat(second).isNotDone();

            CompletableFuture<String> past = pool.after(ready(), () -> "never read");
            StatusRuntimeException refused = failure(past);
            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(Statuses.reasonOf(refused)).isEqualTo("OVERLOADED");
            assertThat(refused.getStatus().getDescription()).contains("node tokyo-1 has 2 reads waiting; retry later");

            release.countDown();
            assertThat(busy.get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("blocked");
            assertThat(first.get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("first");
            assertThat(second.get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("second");
            // room again: taken
            assertThat(pool.after(ready(), () -> "again").get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("again");
        }
    }

    @Test
    void aReadWhoseBarrierCompletesIntoAFullQueueIsRefusedNotLost() throws Exception {
        try (ReadPool pool = new ReadPool("tokyo-1", 1, 1)) {
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            pool.after(ready(), blocking(running, release));
            assertThat(running.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
            // waiting for the read index takes no place in the queue
            CompletableFuture<Void> barrier = new CompletableFuture<>();
            CompletableFuture<String> waiting = pool.after(barrier, () -> "never read");
            CompletableFuture<String> queued = pool.after(ready(), () -> "queued");
            assertThat(pool.queued()).isEqualTo(1);
            // the thread completing the barrier (Ratis' in a node) gets no exception; the read is answered
            assertThatCode(() -> barrier.complete(null)).doesNotThrowAnyException();
            assertThat(Statuses.reasonOf(failure(waiting))).isEqualTo("OVERLOADED");
            release.countDown();
            assertThat(queued.get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("queued");
        }
    }

    @Test
    void aFailedBarrierOrReadFailsTheCall() {
        try (ReadPool pool = new ReadPool("tokyo-1", 1, 1)) {
            CompletableFuture<Void> barrier = new CompletableFuture<>();
            CompletableFuture<String> read = pool.after(barrier, () -> "never read");
            barrier.completeExceptionally(new dev.kinko.server.domain.KinkoException(
                    dev.kinko.server.domain.Reason.NO_LEADER, "no leader (test)"));
            assertThat(Statuses.reasonOf(failure(read))).isEqualTo("NO_LEADER");
            CompletableFuture<String> failing = pool.after(ready(), () -> {
                throw new dev.kinko.server.domain.KinkoException(dev.kinko.server.domain.Reason.SECRET_NOT_FOUND, "x");
            });
            assertThat(failing).failsWithin(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(Statuses.reasonOf(failure(failing))).isEqualTo("SECRET_NOT_FOUND");
        }
    }

    @Test
    void afterCloseReadsAreRefusedAsNotReady() {
        ReadPool pool = new ReadPool("tokyo-1", 1, 1);
        pool.close();
        StatusRuntimeException refused = failure(pool.after(ready(), () -> "never read"));
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(Statuses.reasonOf(refused)).isEqualTo("NOT_READY");
    }
}
