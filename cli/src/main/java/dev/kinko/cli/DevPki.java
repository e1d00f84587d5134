package dev.kinko.cli;

import dev.kinko.server.crypto.AccessTokens;
import dev.kinko.server.crypto.MasterKeyFile;
import dev.kinko.server.crypto.pki.CertificateAuthority;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

/**
 * What {@code kinko dev} makes once under its data directory and reuses: the deployment CA
 * ({@code pki/}), a node certificate per node and a region certificate per region, each region's
 * key file, and one root token that every dev region starts with, so one env file's
 * KINKO_TOKEN works against tokyo and osaka alike.
 */
final class DevPki {
    /** Dev certificates outlive any dev session (and stay within the CA's ten years). */
    static final Duration VALIDITY = Duration.ofDays(1_825);

    private final Path dir;

    DevPki(Path dir) {
        this.dir = dir;
    }

    Path pki() {
        return dir.resolve("pki");
    }

    Path caFile() {
        return pki().resolve("ca.crt");
    }

    Path nodeCert(String nodeId) {
        return pki().resolve("nodes").resolve(nodeId + ".crt");
    }

    Path nodeKey(String nodeId) {
        return pki().resolve("nodes").resolve(nodeId + ".key");
    }

    Path regionCert(String region) {
        return pki().resolve("regions").resolve(region + ".crt");
    }

    Path regionKey(String region) {
        return pki().resolve("regions").resolve(region + ".key");
    }

    Path keyFile(String region) {
        return dir.resolve(region + ".key");
    }

    Path rootTokenFile(String region) {
        return dir.resolve(region + ".root-token");
    }

    /** Makes whatever is missing; never replaces what exists. */
    void ensure(List<String> regions, int nodesPerRegion) throws IOException {
        CertificateAuthority ca = Files.exists(pki().resolve("ca.key")) ? CertificateAuthority.load(pki())
                : CertificateAuthority.init(pki());
        String sharedRoot = null;
        for (String region : regions) {
            if (Files.exists(rootTokenFile(region))) {
                sharedRoot = Files.readString(rootTokenFile(region), StandardCharsets.US_ASCII).strip();
            }
        }
        if (sharedRoot == null) {
            sharedRoot = AccessTokens.issue().token();
        }
        for (String region : regions) {
            for (int n = 1; n <= nodesPerRegion; n++) {
                String nodeId = region + "-" + n;
                if (!Files.exists(nodeCert(nodeId))) {
                    ca.issueNode(region, nodeId, List.of(), VALIDITY);
                }
            }
            if (!Files.exists(regionCert(region))) {
                ca.issueRegion(region, VALIDITY);
            }
            if (!Files.exists(keyFile(region))) {
                MasterKeyFile.generate(keyFile(region));
            }
            if (!Files.exists(rootTokenFile(region))) {
                // each region's first leader takes the token it finds in its root_token_file
                Files.writeString(Files.createFile(rootTokenFile(region), PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------"))), sharedRoot + "\n", StandardCharsets.US_ASCII);
            }
        }
    }

    /** The node config's tls section. */
    String tlsYaml(String region, String nodeId) {
        return "tls:\n"
                + "  ca_file: " + caFile() + "\n"
                + "  cert_file: " + nodeCert(nodeId) + "\n"
                + "  key_file: " + nodeKey(nodeId) + "\n"
                + "  region_cert_file: " + regionCert(region) + "\n"
                + "  region_key_file: " + regionKey(region) + "\n"
                + "  client_auth: optional\n"
                + "root_token_file: " + rootTokenFile(region) + "\n";
    }

    String rootToken(String region) throws IOException {
        return Files.readString(rootTokenFile(region), StandardCharsets.US_ASCII).strip();
    }

    /** Where the region's dev access key (id, then secret) is kept. */
    Path accessKeyFile(String region) {
        return dir.resolve(region + ".aws-key");
    }

    /** The region's env file: the CLI's address, CA and root token, and the AWS tools' settings. */
    void writeEnv(String region, String addresses, String awsEndpoint, String[] accessKey) throws IOException {
        Path env = dir.resolve(region + ".env");
        Files.deleteIfExists(env);
        Files.createFile(env, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(env, "KINKO_ADDR=" + addresses + "\n"
                + "KINKO_CACERT=" + caFile() + "\n"
                + "KINKO_TOKEN=" + rootToken(region) + "\n"
                + "KINKO_AWS_ENDPOINT=" + awsEndpoint + "\n"
                + "AWS_ACCESS_KEY_ID=" + accessKey[0] + "\n"
                + "AWS_SECRET_ACCESS_KEY=" + accessKey[1] + "\n"
                + "AWS_DEFAULT_REGION=" + region + "\n"
                + "AWS_CA_BUNDLE=" + caFile() + "\n", StandardCharsets.US_ASCII);
    }
}
