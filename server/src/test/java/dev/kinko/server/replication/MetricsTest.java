package dev.kinko.server.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kinko.proto.v1.CreateSecretRequest;
import dev.kinko.proto.v1.PutSecretValueRequest;
import dev.kinko.server.testing.TestRegion;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every node serves Prometheus metrics; after writes the primary shows its link's replication lag. */
class MetricsTest {
    @TempDir
    Path dir;

    static String scrape(String url) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    /** The value of a link's metric on the node serving {@code url}, or 0 while the node has none. */
    static double linkMetric(String url, String name, String link) throws Exception {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                java.util.regex.Pattern.quote(name + "{link=\"" + link + "\"") + "[^}]*} (\\S+)").matcher(scrape(url));
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /** A link's metric summed over the region's running nodes (a count that follows the leader). */
    static double linkMetricOfRegion(TestRegion region, String name, String link) throws Exception {
        double sum = 0;
        for (int i = 0; i < region.size(); i++) {
            if (region.running(i)) {
                sum += linkMetric(region.metricsUrl(i), name, link);
            }
        }
        return sum;
    }

    @Test
    void theMetricsEndpointShowsReplicationLagForALinkAfterWrites() throws Exception {
        try (TestRegion osaka = TestRegion.start("osaka", dir);
             TestRegion tokyo = TestRegion.builder("tokyo", dir).link(osaka).start()) {
            tokyo.withRetry(s -> s.createSecret(CreateSecretRequest.newBuilder().setName("metrics/db")
                    .setSecretString("v0").addAddReplicaRegions("osaka").build()));
            int leader = tokyo.awaitLeader();
            // a link's metrics exist once the node has seen the link
            await().atMost(TestRegion.SETTLE).ignoreExceptions().until(() -> scrape(tokyo.metricsUrl(leader))
                    .contains("kinko_replication_delay_seconds_count{link=\"osaka\""));
            for (int i = 1; i <= 20; i++) {
                String value = "v" + i;
                tokyo.withRetry(s -> s.putSecretValue(PutSecretValueRequest.newBuilder().setSecretId("metrics/db")
                        .setSecretString(value).build()));
            }
            await().atMost(TestRegion.SETTLE).ignoreExceptions().untilAsserted(() -> {
                String body = scrape(tokyo.metricsUrl(leader));
                assertThat(body).contains("kinko_replication_lag_sequences{link=\"osaka\"")
                        .contains("kinko_replication_lag_seconds{link=\"osaka\"")
                        .contains("kinko_replication_link_state{link=\"osaka\"")
                        .contains("kinko_replication_delay_seconds_count{link=\"osaka\"")
                        .contains("kinko_raft_leader{node=\"tokyo-" + (leader + 1) + "\",region=\"tokyo\"} 1.0")
                        .contains("kinko_rpc_duration_seconds_count{code=\"OK\",method=\"kinko.v1.SecretsService/PutSecretValue\"");
                assertThat(body).containsPattern("kinko_replication_delay_seconds_count\\{link=\"osaka\"[^}]*\\} [1-9]");
            });
            String follower = scrape(tokyo.metricsUrl((leader + 1) % 3));
            assertThat(follower).contains("kinko_raft_leader{node=\"tokyo-" + ((leader + 1) % 3 + 1) + "\",region=\"tokyo\"} 0.0")
                    .contains("kinko_raft_applied_index");
        }
    }
}
