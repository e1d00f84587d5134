package dev.kinko.bench;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Closed loop on async gRPC stubs: {@code inFlight} calls are outstanding at all times, each
 * answered call sends the next one. Calls that begin during the warm-up are not counted; the
 * measured window is the {@code measure} after it.
 */
final class ClosedLoop {
    /** One call's outcome: its latency and whether it failed. */
    record Result(long calls, long errors, Histogram latencyMicros, double seconds, String firstError) {
        double perSecond() {
            return calls / seconds;
        }
    }

    private ClosedLoop() {}

    /** {@code call} sends call number n; the loop runs for {@code warmup} then {@code measure}. */
    static Result run(int inFlight, Duration warmup, Duration measure, LongFunction<ListenableFuture<?>> call)
            throws InterruptedException {
        return run(inFlight, warmup, measure, call, Long.MAX_VALUE);
    }

    /** As above, but no call numbered {@code limit} or more is sent: the loop ends when they are all answered. */
    static Result run(int inFlight, Duration warmup, Duration measure, LongFunction<ListenableFuture<?>> call, long limit)
            throws InterruptedException {
        long begin = System.nanoTime();
        long measureFrom = begin + warmup.toNanos();
        long end = measureFrom + measure.toNanos();
        AtomicLong next = new AtomicLong();
        AtomicLong calls = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        String[] firstError = {null};
        Recorder latency = new Recorder(60_000_000L, 3);
        CountDownLatch lanes = new CountDownLatch(inFlight);
        for (int lane = 0; lane < inFlight; lane++) {
            new Object() {
                void send() {
                    long start = System.nanoTime();
                    long n = next.getAndIncrement();
                    if (start - end >= 0 || n >= limit) {
                        lanes.countDown();
                        return;
                    }
                    ListenableFuture<?> f;
                    try {
                        f = call.apply(n);
                    } catch (RuntimeException e) {
                        f = Futures.immediateFailedFuture(e);
                    }
                    Futures.addCallback(f, new FutureCallback<Object>() {
                        @Override
                        public void onSuccess(Object result) {
                            done(start, null);
                        }

                        @Override
                        public void onFailure(Throwable t) {
                            done(start, t);
                        }
                    }, MoreExecutors.directExecutor());
                }

                void done(long start, Throwable error) {
                    long now = System.nanoTime();
                    if (start - measureFrom >= 0 && now - end < 0) {
                        if (error == null) {
                            calls.incrementAndGet();
                            latency.recordValue((now - start) / 1_000);
                        } else {
                            if (errors.getAndIncrement() == 0) {
                                firstError[0] = String.valueOf(error.getMessage());
                            }
                        }
                    }
                    send();
                }
            }.send();
        }
        if (!lanes.await(end - System.nanoTime() + TimeUnit.SECONDS.toNanos(30), TimeUnit.NANOSECONDS)) {
            System.err.println("closed loop: calls still outstanding 30 s after the end");
        }
        double seconds = Math.min(System.nanoTime() - measureFrom, end - measureFrom) / 1e9;
        return new Result(calls.get(), errors.get(), latency.getIntervalHistogram(), seconds, firstError[0]);
    }
}
