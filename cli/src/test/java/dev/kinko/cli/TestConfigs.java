package dev.kinko.cli;

import dev.kinko.server.config.NodeConfig;
import dev.kinko.server.testing.TestPki;
import java.nio.file.Path;
import java.util.List;

/** The security lines of a node config written by a CLI test: TLS files from the test CA and a root token file. */
final class TestConfigs {
    private TestConfigs() {}

    static List<String> security(String region, String nodeId, Path rootTokenFile) {
        NodeConfig.Tls t = TestPki.nodeTls(region, nodeId, "optional");
        return List.of("tls:", "  ca_file: " + t.caFile(), "  cert_file: " + t.certFile(), "  key_file: " + t.keyFile(),
                "  region_cert_file: " + t.regionCertFile(), "  region_key_file: " + t.regionKeyFile(),
                "root_token_file: " + rootTokenFile);
    }
}
