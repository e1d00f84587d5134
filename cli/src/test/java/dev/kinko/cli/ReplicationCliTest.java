package dev.kinko.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kinko.server.testing.TestRegion;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replication CLI shapes between two real regions. */
class ReplicationCliTest {
    @TempDir
    Path dir;

    record Result(int code, String out, String err) {}

    static Result kinko(TestRegion region, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--addr");
        all.add(region.addresses());
        int code = KinkoCli.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void replicateDescribeStopAndPromoteThroughTheCli() {
        try (TestRegion osaka = TestRegion.start("osaka", dir);
             TestRegion tokyo = TestRegion.builder("tokyo", dir).link(osaka).start()) {
            assertThat(kinko(tokyo, "secret", "create", "cli/db", "--value", "v1", "--replica-region", "osaka").code()).isZero();
            await().atMost(TestRegion.SETTLE).until(() -> kinko(osaka, "secret", "get", "cli/db").out().equals("v1\n"));
            await().atMost(TestRegion.SETTLE).until(() -> kinko(tokyo, "secret", "describe", "cli/db").out()
                    .contains("Replica region: osaka  InSync"));
            assertThat(kinko(osaka, "secret", "describe", "cli/db").out()).contains("Primary region: tokyo (read-only replica here)");
            Result readOnly = kinko(osaka, "secret", "put", "cli/db", "--value", "x");
            assertThat(readOnly.code()).isEqualTo(1);
            assertThat(readOnly.err()).contains("REPLICA_READ_ONLY").contains("tokyo");

            assertThat(kinko(osaka, "secret", "create", "cli/clash", "--value", "osaka").code()).isZero();
            assertThat(kinko(tokyo, "secret", "create", "cli/clash", "--value", "tokyo", "--replica-region", "osaka").code()).isZero();
            await().atMost(TestRegion.SETTLE).until(() -> kinko(tokyo, "secret", "describe", "cli/clash").out()
                    .contains("Failed  Secret name cli/clash already exists in region osaka"));
            assertThat(kinko(tokyo, "secret", "replicate", "cli/clash", "--region", "osaka", "--force-overwrite").code()).isZero();
            await().atMost(TestRegion.SETTLE).until(() -> kinko(osaka, "secret", "get", "cli/clash").out().equals("tokyo\n"));

            assertThat(kinko(tokyo, "secret", "create", "cli/later", "--value", "l").code()).isZero();
            assertThat(kinko(tokyo, "secret", "replicate", "cli/later", "--region", "osaka").code()).isZero();
            await().atMost(TestRegion.SETTLE).until(() -> kinko(osaka, "secret", "get", "cli/later").out().equals("l\n"));
            assertThat(kinko(tokyo, "secret", "remove-region", "cli/later", "--region", "osaka").code()).isZero();
            await().atMost(TestRegion.SETTLE).until(() -> kinko(osaka, "secret", "describe", "cli/later").out()
                    .contains("Primary region: osaka\n"));

            assertThat(kinko(osaka, "secret", "stop-replication", "cli/clash").code()).isZero();
            assertThat(kinko(osaka, "secret", "put", "cli/clash", "--value", "mine").code()).isZero();

            assertThat(kinko(tokyo, "region", "status").out()).contains("region tokyo  role primary").contains("link to osaka");
            assertThat(kinko(osaka, "region", "status").out()).contains("replica of tokyo");
            Result promote = kinko(osaka, "region", "promote");
            assertThat(promote.code()).isZero();
            assertThat(promote.out()).contains("promoted: 1 secrets").contains("fenced tokyo");
            assertThat(kinko(osaka, "region", "status").out()).contains("PROMOTED");
            assertThat(kinko(osaka, "secret", "put", "cli/db", "--value", "after").code()).isZero();
            Result again = kinko(tokyo, "region", "promote");
            assertThat(again.code()).isEqualTo(1);
            assertThat(again.err()).contains("NOT_A_REPLICA_REGION");
        }
    }
}
