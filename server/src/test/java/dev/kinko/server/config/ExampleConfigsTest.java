package dev.kinko.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The example configuration set under {@code ops/config/} (one file per node, one folder per
 * region) loads with {@link NodeConfig#load} and is consistent as a deployment: the nodes of a
 * region agree on peers and key file, ids are unique, links name regions of the set and the
 * client addresses of their nodes.
 */
class ExampleConfigsTest {
    private static Path configDir;
    /** file -> config, every YAML under ops/config. */
    private static final Map<Path, NodeConfig> CONFIGS = new LinkedHashMap<>();
    /** region -> its nodes' configs. */
    private static final Map<String, List<NodeConfig>> REGIONS = new TreeMap<>();

    @BeforeAll
    static void loadEveryExample() throws IOException {
        configDir = repoRoot().resolve("ops/config");
        List<Path> files;
        try (Stream<Path> walk = Files.walk(configDir)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().matches(".*\\.ya?ml"))
                    .sorted().toList();
        }
        for (Path f : files) {
            NodeConfig c = NodeConfig.load(f);
            CONFIGS.put(f, c);
            REGIONS.computeIfAbsent(c.region(), r -> new ArrayList<>()).add(c);
        }
    }

    /** Tests run in server/; the repository root is its parent (or the directory itself). */
    private static Path repoRoot() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("ops/config"))) {
                return p;
            }
        }
        throw new IllegalStateException("no ops/config above " + here);
    }

    @Test
    void theSetHasTwoRegionsOfThreeNodes() {
        assertThat(REGIONS).containsOnlyKeys("tokyo", "osaka");
        REGIONS.forEach((region, nodes) -> assertThat(nodes).as("nodes of region %s", region).hasSize(3));
    }

    @Test
    void eachFileIsNamedAfterItsNodeAndSitsInItsRegionsFolder() {
        CONFIGS.forEach((file, c) -> {
            assertThat(file.getFileName().toString()).as("file of node %s", c.nodeId()).isEqualTo(c.nodeId() + ".yaml");
            assertThat(configDir.relativize(file).getParent()).as("folder of %s", file)
                    .isEqualTo(Path.of(c.region()));
        });
    }

    @Test
    void nodeIdsAreUniqueAndEachIsOneOfItsRegionsPeers() {
        Set<String> ids = new HashSet<>();
        for (NodeConfig c : CONFIGS.values()) {
            assertThat(ids.add(c.nodeId())).as("node_id %s used once", c.nodeId()).isTrue();
            assertThat(c.peers()).extracting(NodeConfig.Peer::id).as("peers of %s", c.nodeId()).contains(c.nodeId());
        }
    }

    @Test
    void theNodesOfARegionListTheSamePeersAndEachPeerHasItsFile() {
        REGIONS.forEach((region, nodes) -> {
            List<NodeConfig.Peer> peers = nodes.get(0).peers();
            for (NodeConfig c : nodes) {
                assertThat(c.peers()).as("peers of %s (as %s lists them)", c.nodeId(), nodes.get(0).nodeId())
                        .isEqualTo(peers);
            }
            assertThat(peers).extracting(NodeConfig.Peer::id).doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(nodes.stream().map(NodeConfig::nodeId).toList());
            assertThat(peers).extracting(NodeConfig.Peer::raftAddress).doesNotHaveDuplicates();
            assertThat(peers).extracting(NodeConfig.Peer::clientAddress).doesNotHaveDuplicates();
        });
    }

    @Test
    void eachNodeServesOnThePortItsPeerEntryAdvertises() {
        for (NodeConfig c : CONFIGS.values()) {
            String advertised = c.peers().stream().filter(p -> p.id().equals(c.nodeId())).findFirst().orElseThrow()
                    .clientAddress();
            assertThat(advertised).as("client_address of %s", c.nodeId()).endsWith(":" + c.effectiveClientPort());
            assertThat(c.metricsPort()).as("metrics_port of %s", c.nodeId()).isNotNull()
                    .isNotEqualTo(c.effectiveClientPort());
        }
    }

    @Test
    void aRegionsNodesShareOneKeyFileAndRegionsDoNotShareKeys() {
        Map<String, Path> keyByRegion = new TreeMap<>();
        REGIONS.forEach((region, nodes) -> {
            Set<Path> keys = nodes.stream().map(NodeConfig::keyFile).collect(Collectors.toSet());
            assertThat(keys).as("key_file of the nodes of %s", region).hasSize(1);
            keyByRegion.put(region, keys.iterator().next());
        });
        assertThat(keyByRegion.values()).as("key files per region").doesNotHaveDuplicates();
        CONFIGS.values().forEach(c -> assertThat(c.dataDir().toString()).as("data_dir of %s", c.nodeId())
                .contains(c.nodeId()));
    }

    @Test
    void linksNameRegionsOfTheSetAndTheirNodesClientAddresses() {
        REGIONS.forEach((region, nodes) -> {
            List<NodeConfig.Link> links = nodes.get(0).links();
            for (NodeConfig c : nodes) {
                assertThat(c.links()).as("links of %s (as %s lists them)", c.nodeId(), nodes.get(0).nodeId())
                        .isEqualTo(links);
            }
            for (NodeConfig.Link l : links) {
                assertThat(REGIONS).as("region %s linked from %s", l.region(), region).containsKey(l.region());
                List<String> clientAddresses = REGIONS.get(l.region()).get(0).peers().stream()
                        .map(NodeConfig.Peer::clientAddress).toList();
                assertThat(l.addresses()).as("addresses of the link %s -> %s", region, l.region())
                        .containsExactlyInAnyOrderElementsOf(clientAddresses);
            }
        });
    }

    /** Before a promotion: tokyo ships to osaka; osaka's link back stays commented out until failback. */
    @Test
    void tokyoIsThePrimaryAndOsakaLinksBackOnlyAfterFailback() {
        REGIONS.get("tokyo").forEach(c -> assertThat(c.links()).extracting(NodeConfig.Link::region)
                .as("links of %s", c.nodeId()).containsExactly("osaka"));
        REGIONS.get("osaka").forEach(c -> assertThat(c.links()).as("links of %s", c.nodeId()).isEmpty());
    }
}
