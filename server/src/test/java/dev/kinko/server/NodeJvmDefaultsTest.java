package dev.kinko.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class NodeJvmDefaultsTest {
    /**
     * Run in a fresh JVM (each setting is read once, when its class loads): prints both Netty
     * copies' direct arenas, the common pool's parallelism, and how many threads 50 async stages ran on.
     */
    public static void main(String[] args) throws Exception {
        for (int i = 0; i + 1 < args.length; i += 2) {
            System.setProperty(args[i], args[i + 1]);
        }
        NodeJvmDefaults.apply();
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 50; i++) {
            CompletableFuture.runAsync(() -> threads.add(Thread.currentThread())).get(10, TimeUnit.SECONDS);
        }
        System.out.println(io.grpc.netty.shaded.io.netty.buffer.PooledByteBufAllocator.defaultNumDirectArena() + " "
                + org.apache.ratis.thirdparty.io.netty.buffer.PooledByteBufAllocator.defaultNumDirectArena() + " "
                + java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() + " " + threads.size());
    }

    /** The last line main printed, in a JVM that sees {@code cores} processors. */
    private static String inAFreshJvm(int cores, String... properties) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:ActiveProcessorCount=" + cores,
                "-cp", System.getProperty("java.class.path"), NodeJvmDefaultsTest.class.getName()));
        command.addAll(List.of(properties));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().reduce((a, b) -> b).orElse("");
    }

    @Test
    void onTwoCoresBothNettyCopiesTakeOneArenaAndAsyncStagesShareTwoThreads() throws Exception {
        String[] out = inAFreshJvm(2).split(" ");
        assertThat(out[0]).as("gRPC's Netty arenas").isEqualTo("1");
        assertThat(out[1]).as("Ratis' Netty arenas").isEqualTo("1");
        assertThat(out[2]).as("the common pool's parallelism").isEqualTo("2");
        // without the setting each of the 50 stages ran on a thread of its own
        assertThat(Integer.parseInt(out[3])).as("threads that ran 50 async stages").isLessThanOrEqualTo(2);
    }

    @Test
    void onMoreCoresTheCommonPoolKeepsTheJvmsOwnSize() throws Exception {
        assertThat(inAFreshJvm(8).split(" ")[2]).isEqualTo("7");
    }

    @Test
    void whatTheOperatorSetStands() throws Exception {
        String[] out = inAFreshJvm(2, "io.grpc.netty.shaded.io.netty.allocator.numDirectArenas", "3",
                NodeJvmDefaults.COMMON_POOL_PARALLELISM, "1").split(" ");
        assertThat(out[0]).isEqualTo("3");
        assertThat(out[1]).isEqualTo("1");
        assertThat(out[2]).isEqualTo("1");
        // what a pool of one means: CompletableFuture starts a thread for every async stage
        assertThat(Integer.parseInt(out[3])).isEqualTo(50);
    }
}
