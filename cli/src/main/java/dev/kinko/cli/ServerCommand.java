package dev.kinko.cli;

import dev.kinko.server.KinkoNode;
import dev.kinko.server.NodeJvmDefaults;
import dev.kinko.server.StartupWarmup;
import dev.kinko.server.config.NodeConfig;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kinko server --config node.yaml}: runs one node until SIGTERM. */
@Command(name = "server", description = "Run one node of a region.", mixinStandardHelpOptions = true)
final class ServerCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", required = true, description = "The node's YAML configuration.")
    Path config;

    @Mixin
    LogOptions logs;

    @Option(names = "--parent-pid", hidden = true, description = "Exit when this process ends (kinko dev).")
    Long parentPid;

    @Override
    public Integer call() throws Exception {
        NodeJvmDefaults.apply(); // before the warm-up loads Netty or anything starts a common pool
        // RocksDB's native library and the API's classes load on a second core meanwhile
        StartupWarmup.begin();
        logs.apply();
        KinkoNode node = KinkoNode.start(NodeConfig.load(config));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (Exception e) {
                System.err.println("kinko: stopping the node failed: " + e.getMessage());
            } finally {
                stopped.countDown();
            }
        }, "kinko-shutdown"));
        if (parentPid != null) {
            Optional<ProcessHandle> parent = ProcessHandle.of(parentPid);
            if (parent.isEmpty()) {
                System.exit(0);
            }
            parent.get().onExit().thenRun(() -> System.exit(0));
        }
        stopped.await();
        return 0;
    }
}
