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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
                    writers.add(pool.submit(() -> write(tokyo, writer)));
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
            Matcher max = Pattern.compile("kinko_replication_batches_in_flight_max\\{link=\"osaka\"[^}]*} (\\S+)")
                    .matcher(MetricsTest.scrape(metrics));
            assertThat(max.find()).isTrue();
            assertThat(Double.parseDouble(max.group(1))).isBetween(2.0, (double) ShippingSettings.MAX_BATCHES_IN_FLIGHT);
        }
    }

    /** Mostly puts to the hot secrets, some to cold ones, and now and then the writer's own label moved. */
    private static void write(TestRegion tokyo, int writer) {
        java.util.Map<String, String> labelled = new java.util.HashMap<>();
        String label = "writer" + writer;
        for (int n = 0; n < WRITES_PER_WRITER; n++) {
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
