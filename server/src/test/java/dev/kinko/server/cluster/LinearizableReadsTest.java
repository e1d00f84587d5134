package dev.kinko.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.GetSecretValueRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.proto.v1.TransferLeadershipRequest;
import dev.kinko.server.testing.RegisterHistory;
import dev.kinko.server.testing.TestRegion;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batched read index (issue 13): linearizable reads on every node, served a batch per Raft read
 * index round, still see every write acknowledged before they began. Writers and readers run
 * concurrently across a leadership transfer; the whole history is checked ({@link RegisterHistory}).
 */
class LinearizableReadsTest {
    static final int KEYS = 4;
    static final int READERS = 12;
    /** Reads to check: half before the leadership transfer, half after it. */
    static final int READS = 1_000;

    @TempDir
    Path dir;

    @Test
    void batchedReadsOnEveryNodeSeeEveryWriteAcknowledgedBeforeThemAcrossALeaderChange() throws Exception {
        try (TestRegion region = TestRegion.start("tokyo", dir)) {
            for (int k = 0; k < KEYS; k++) {
                String key = "lin/" + k;
                region.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName(key).setSecretString("0").build()));
            }
            long[] roundsBefore = new long[region.size()];
            for (int i = 0; i < region.size(); i++) {
                roundsBefore[i] = region.node(i).raft().readIndexRounds();
            }
            RegisterHistory history = new RegisterHistory();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger[] readsOn = {new AtomicInteger(), new AtomicInteger(), new AtomicInteger()};
            ExecutorService pool = Executors.newFixedThreadPool(KEYS + READERS);
            List<Future<?>> running = new ArrayList<>();
            for (int k = 0; k < KEYS; k++) {
                String key = "lin/" + k;
                int node = k % region.size(); // writes through followers are forwarded
                running.add(pool.submit(() -> write(region, node, key, history, stop)));
            }
            for (int r = 0; r < READERS; r++) {
                int node = r % region.size();
                running.add(pool.submit(() -> read(region, node, history, stop, readsOn[node])));
            }
            await().atMost(TestRegion.SETTLE).until(() -> history.reads() >= READS / 2);
            region.admin(region.awaitLeader()).transferLeadership(TransferLeadershipRequest.getDefaultInstance());
            int readsAtTransfer = history.reads();
            await().atMost(TestRegion.SETTLE).until(() -> history.reads() >= readsAtTransfer + READS / 2);
            stop.set(true);
            for (Future<?> f : running) {
                f.get();
            }
            pool.shutdown();

            assertThat(history.violations()).isEmpty();
            for (int i = 0; i < region.size(); i++) {
                long rounds = region.node(i).raft().readIndexRounds() - roundsBefore[i];
                // 4 concurrent readers per node: rounds are shared, so fewer rounds than reads
                assertThat(rounds).as("read index rounds on node %d for %d reads", i, readsOn[i].get())
                        .isLessThan(readsOn[i].get());
            }
        }
    }

    private static void write(TestRegion region, int node, String key, RegisterHistory history, AtomicBoolean stop) {
        for (long v = 1; !stop.get(); v++) {
            long start = System.nanoTime();
            try {
                region.secrets(node).putSecretValue(PutSecretValueRequest.newBuilder().setSecretId(key)
                        .setSecretString(Long.toString(v)).build());
                history.wrote(key, v, start, System.nanoTime());
            } catch (StatusRuntimeException e) {
                history.wroteMaybe(key, v, start); // a refused write may still have been applied
            }
        }
    }

    private static void read(TestRegion region, int node, RegisterHistory history, AtomicBoolean stop,
                             AtomicInteger served) {
        while (!stop.get()) {
            String key = "lin/" + ThreadLocalRandom.current().nextInt(KEYS);
            long start = System.nanoTime();
            try {
                String value = region.secrets(node).getSecretValue(GetSecretValueRequest.newBuilder()
                        .setSecretId(key).build()).getSecretString();
                history.read(key, Long.parseLong(value), start, System.nanoTime());
                served.incrementAndGet();
            } catch (StatusRuntimeException e) {
                // a refused read says nothing about the register
            }
        }
    }
}
