package dev.kinko.cli;

import dev.kinko.client.KinkoClient;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that talks to a region: it gets a client for the target and the output stream. */
abstract class ClientCommand implements Callable<Integer> {
    @Mixin
    Target target;

    @Spec
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    @Override
    public Integer call() throws Exception {
        try (KinkoClient client = target.client()) {
            run(client);
        }
        return 0;
    }

    abstract void run(KinkoClient client) throws Exception;
}
