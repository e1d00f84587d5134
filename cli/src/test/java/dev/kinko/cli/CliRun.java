package dev.kinko.cli;

import dev.kinko.server.testing.TestRegion;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/** A command line run in this JVM against a test region, as its root: address, CA and token added. */
record CliRun(int code, String out, String err) {
    static CliRun kinko(TestRegion region, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--addr", region.addresses(), "--cacert", region.caFile().toString(),
                "--token", region.rootToken()));
        int code = KinkoCli.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new CliRun(code, out.toString(), err.toString());
    }
}
