package dev.kinko.server.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.UpdateSecretVersionStageRequest;
import dev.kinko.server.testing.TestRegion;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writers keep going while tokyo ships: batches are built while the journal grows and hot secrets
 * change many times per batch, several batches travel at once, and osaka still ends with tokyo's
 * state exactly.
 */
class ShippingWhileWritingTest {
    static final int HOT = 3;
    static final int COLD = 20;
    static final int WRITERS = 6;
    static final int WRITES_PER_WRITER = 60;
    static final String PREFIX = "race/s";
    /** Drops of osaka's connections at least, in the test that drops them. */
    static final int MIN_DROPS = 5;
    /** Batches tokyo sends between two drops, at least. */
    static final int SENDS_BETWEEN_DROPS = 3;

    @TempDir
    Path dir;

    @Test
    void osakaEndsWithTokyosStateWhileWritesRaceTheShipper() throws Exception {
        try (TestRegion osaka = TestRegion.start("osaka", dir);
             TestRegion tokyo = TestRegion.builder("tokyo", dir).link(osaka).start()) {
            RestoredRegionReplicationTest.createReplicated(tokyo, PREFIX, HOT + COLD);
            String metrics = tokyo.metricsUrl(tokyo.awaitLeader());
            await().atMost(TestRegion.SETTLE).ignoreExceptions().until(() -> MetricsTest.scrape(metrics)
                    .contains("kinko_replication_batches_in_flight_count{link=\"osaka\""));
            ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
            try {
                List<Future<?>> writers = new ArrayList<>();
                for (int w = 0; w < WRITERS; w++) {
                    int writer = w;
                    writers.add(pool.submit(() -> write(tokyo, writer, () -> false)));
                }
                for (Future<?> f : writers) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            CatchUpTest.awaitInSync(tokyo);
            assertThat(RegionState.of(osaka, "race/")).isEqualTo(RegionState.of(tokyo, "race/")).hasSize(HOT + COLD);
            // the next batches travelled while osaka proposed the ones before, never more than the window
            assertThat(MetricsTest.linkMetric(metrics, "kinko_replication_batches_in_flight_max", "osaka"))
                    .isBetween(2.0, (double) ShippingSettings.MAX_BATCHES_IN_FLIGHT);
        }
    }

    /**
     * Osaka's client connections drop again and again while tokyo ships with batches in flight: the
     * failed batch and those cancelled behind it are sent again, while copies of them that had already
     * reached osaka still land there. Osaka still ends with tokyo's state exactly: nothing lost,
     * nothing applied twice, no label moved back by a late copy.
     */
    @Test
    void osakaEndsWithTokyosStateWhenItsConnectionsDropWithBatchesInFlight() throws Exception {
        try (TestRegion osaka = TestRegion.builder("osaka", dir).pausableClientPorts().start();
             TestRegion tokyo = TestRegion.builder("tokyo", dir).link(osaka).start()) {
            RestoredRegionReplicationTest.createReplicated(tokyo, PREFIX, HOT + COLD);
            String metrics = tokyo.metricsUrl(tokyo.awaitLeader());
            await().atMost(TestRegion.SETTLE).ignoreExceptions().until(() -> MetricsTest.scrape(metrics)
                    .contains("kinko_replication_batches_cancelled_total{link=\"osaka\""));
            AtomicBoolean more = new AtomicBoolean(true);
            ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
            try {
                List<Future<?>> writers = new ArrayList<>();
                for (int w = 0; w < WRITERS; w++) {
                    int writer = w;
                    writers.add(pool.submit(() -> write(tokyo, writer, more::get)));
                }
                // a drop each time tokyo has sent a few more batches, until drops have cancelled some in flight
                int drops = 0;
                double cancelledBefore = cancelled(tokyo); // e.g. by a leader change while the region settled
                long deadline = System.nanoTime() + TestRegion.SETTLE.toNanos();
                while (drops < MIN_DROPS || cancelled(tokyo) == cancelledBefore) {
                    assertThat(System.nanoTime()).as("a drop that cancels batches in flight, within %s", TestRegion.SETTLE)
                            .isLessThan(deadline);
                    double sent = sent(tokyo);
                    for (int i = 0; i < osaka.size(); i++) {
                        osaka.dropClientConnections(i);
                    }
                    drops++;
                    await().atMost(TestRegion.SETTLE).until(() -> sent(tokyo) >= sent + SENDS_BETWEEN_DROPS);
                }
                more.set(false);
                for (Future<?> f : writers) {
                    f.get();
                }
            } finally {
                more.set(false);
                pool.shutdownNow();
            }
            CatchUpTest.awaitInSync(tokyo);
            assertThat(RegionState.of(osaka, "race/")).isEqualTo(RegionState.of(tokyo, "race/")).hasSize(HOT + COLD);
            // a batch refused after the drops (one that waited in vain, or a late copy) never made the
            // shipper take osaka for a region restored from a backup
            assertThat(MetricsTest.linkMetricOfRegion(tokyo, "kinko_replication_rewinds_total", "osaka")).isZero();
        }
    }

    private static double sent(TestRegion tokyo) throws Exception {
        return MetricsTest.linkMetricOfRegion(tokyo, "kinko_replication_batches_in_flight_count", "osaka");
    }

    private static double cancelled(TestRegion tokyo) throws Exception {
        return MetricsTest.linkMetricOfRegion(tokyo, "kinko_replication_batches_cancelled_total", "osaka");
    }

    /**
     * Mostly puts to the hot secrets, some to cold ones, and now and then the writer's own label
     * moved: {@link #WRITES_PER_WRITER} writes, and more while {@code more} says so.
     */
    private static void write(TestRegion tokyo, int writer, BooleanSupplier more) {
        java.util.Map<String, String> labelled = new java.util.HashMap<>();
        String label = "writer" + writer;
        for (int n = 0; n < WRITES_PER_WRITER || more.getAsBoolean(); n++) {
            String name = name(n % 4 == 3 ? HOT + (writer * WRITES_PER_WRITER + n) % COLD : n % HOT);
            String value = "w" + writer + "-" + n;
            String versionId = tokyo.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder()
                    .setSecretId(name).setSecretString(value).build())).getVersionId();
            if (n % 10 == 9) {
                String holder = labelled.getOrDefault(name, "");
                tokyo.withRetry(s -> s.updateSecretVersionStage(UpdateSecretVersionStageRequest.newBuilder()
                        .setSecretId(name).setVersionStage(label).setRemoveFromVersionId(holder)
                        .setMoveToVersionId(versionId).build()));
                labelled.put(name, versionId);
            }
        }
    }

    private static String name(int i) {
        return PREFIX + i;
    }
}
