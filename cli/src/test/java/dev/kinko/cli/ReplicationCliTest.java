package dev.kinko.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.JsonFormat;
import dev.kinko.proto.v1.GetRegionStatusResponse;
import dev.kinko.server.testing.TestRegion;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replication CLI shapes between two real regions. */
class ReplicationCliTest {
    @TempDir
    Path dir;

    static CliRun kinko(TestRegion region, String... args) {
        return CliRun.kinko(region, args);
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
            CliRun readOnly = kinko(osaka, "secret", "put", "cli/db", "--value", "x");
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
            CliRun promote = kinko(osaka, "region", "promote");
            assertThat(promote.code()).isZero();
            assertThat(promote.out()).contains("promoted: 1 secrets").contains("fenced tokyo");
            assertThat(kinko(osaka, "region", "status").out()).contains("PROMOTED");
            assertThat(kinko(osaka, "secret", "put", "cli/db", "--value", "after").code()).isZero();
            CliRun again = kinko(tokyo, "region", "promote");
            assertThat(again.code()).isEqualTo(1);
            assertThat(again.err()).contains("NOT_A_REPLICA_REGION");
        }
    }

    @Test
    void regionLinksListAddAndRemove() throws Exception {
        try (TestRegion osaka = TestRegion.start("osaka", dir);
             TestRegion tokyo = TestRegion.builder("tokyo", dir).link(osaka).start()) {
            CliRun list = kinko(tokyo, "region", "links", "list");
            assertThat(list.code()).as(list.err()).isZero();
            assertThat(list.out().lines().findFirst().orElseThrow()).startsWith("REGION").contains("WATERMARK");
            assertThat(list.out().lines().skip(1)).singleElement().satisfies(line -> assertThat(line)
                    .startsWith("osaka ").endsWith(osaka.addresses()));

            GetRegionStatusResponse.Builder json = GetRegionStatusResponse.newBuilder();
            CliRun listJson = kinko(tokyo, "region", "links", "list", "-o", "json");
            assertThat(listJson.code()).as(listJson.err()).isZero();
            JsonFormat.parser().merge(listJson.out(), json);
            assertThat(json.getRegion()).isEqualTo("tokyo");
            assertThat(json.getLinksList()).singleElement().satisfies(l -> {
                assertThat(l.getRegion()).isEqualTo("osaka");
                assertThat(l.getAddressesList()).containsExactly(osaka.addresses().split(","));
            });
            assertThat(kinko(osaka, "region", "links", "list").out()).isEqualTo("region osaka has no links\n");

            CliRun unknown = kinko(tokyo, "region", "links", "remove", "kyoto");
            assertThat(unknown.code()).isEqualTo(KinkoCli.EXIT_ERROR);
            assertThat(unknown.err().lines()).containsExactly("kinko: UNKNOWN_REGION: there is no link to region kyoto");

            // 'link' (the first shape) and 'links add' change the same link
            CliRun linked = kinko(tokyo, "region", "link", "--region", "kyoto", "--to", "127.0.0.1:1,127.0.0.1:2");
            assertThat(linked.code()).as(linked.err()).isZero();
            assertThat(linked.out()).isEqualTo("linked to kyoto\n");
            assertThat(linkLine(tokyo, "kyoto")).endsWith("127.0.0.1:1,127.0.0.1:2");
            CliRun added = kinko(tokyo, "region", "links", "add", "kyoto", "--addresses", "127.0.0.1:3,127.0.0.1:4,127.0.0.1:5");
            assertThat(added.code()).as(added.err()).isZero();
            assertThat(added.out()).isEqualTo("linked to kyoto\n");
            assertThat(linkLine(tokyo, "kyoto")).endsWith("127.0.0.1:3,127.0.0.1:4,127.0.0.1:5");
            CliRun removed = kinko(tokyo, "region", "links", "remove", "kyoto");
            assertThat(removed.code()).as(removed.err()).isZero();
            assertThat(removed.out()).isEqualTo("removed the link to kyoto\n");
            assertThat(kinko(tokyo, "region", "links", "list").out()).doesNotContain("kyoto").contains("osaka");

            CliRun self = kinko(tokyo, "region", "links", "add", "tokyo", "--addresses", "127.0.0.1:1");
            assertThat(self.code()).isEqualTo(KinkoCli.EXIT_ERROR);
            assertThat(self.err()).startsWith("kinko: INVALID_LINK: ");
            assertThat(kinko(tokyo, "region", "links", "add", "kyoto").code()).isEqualTo(KinkoCli.EXIT_USAGE);

            // a link that a secret still replicates over stays
            assertThat(kinko(tokyo, "secret", "create", "cli/linked", "--value", "v", "--replica-region", "osaka").code())
                    .isZero();
            CliRun inUse = kinko(tokyo, "region", "links", "remove", "osaka");
            assertThat(inUse.code()).isEqualTo(KinkoCli.EXIT_ERROR);
            assertThat(inUse.err().lines()).singleElement().satisfies(line -> assertThat(line)
                    .startsWith("kinko: LINK_IN_USE: secret cli/linked is replicated to region osaka"));
            assertThat(kinko(tokyo, "region", "links", "list").out()).contains("osaka");
        }
    }

    private static String linkLine(TestRegion region, String to) {
        CliRun list = kinko(region, "region", "links", "list");
        assertThat(list.code()).as(list.err()).isZero();
        return list.out().lines().filter(l -> l.startsWith(to + " ")).findFirst().orElseThrow();
    }
}
