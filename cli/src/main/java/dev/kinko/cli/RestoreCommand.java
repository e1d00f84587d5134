package dev.kinko.cli;

import dev.kinko.server.backup.BackupManifest;
import dev.kinko.server.backup.BackupRestore;
import dev.kinko.server.config.NodeConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kinko cluster restore}: offline, on a node that has never run. */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Restore a backup (from 'cluster snapshot --out') into a node that has never run.",
                "Run it on every node of the new region, each with its own config and a copy of the region's"
                        + " key file, before starting any of them."})
final class RestoreCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "BACKUP", description = "The backup file.")
    Path backup;

    @Option(names = "--config", paramLabel = "FILE", required = true,
            description = "The node's YAML configuration (its region, data_dir and key_file are used).")
    Path config;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table or json (default: ${DEFAULT-VALUE}).")
    ClientCommand.Output output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        NodeConfig node = NodeConfig.load(config);
        BackupManifest m = BackupRestore.restore(backup, node);
        if (output == ClientCommand.Output.json) {
            spec.commandLine().getOut().println(BackupDownload.summaryJson(m, "node_id", node.nodeId()));
        } else {
            spec.commandLine().getOut().printf("restored node %s of region %s from the backup at index %d"
                    + " (%d files, %d bytes); start it once every node of the region is restored%n",
                    node.nodeId(), m.region(), m.index(), m.files().size(), m.totalBytes());
        }
        return 0;
    }
}
