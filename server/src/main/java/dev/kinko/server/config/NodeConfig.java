package dev.kinko.server.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kinko.server.consensus.RaftSettings;
import dev.kinko.server.consensus.RegionMember;
import dev.kinko.server.replication.ShippingSettings;
import dev.kinko.server.rotation.RotationSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A node's configuration, read from YAML ({@code kinko server --config node.yaml}).
 * Unknown keys are refused so a typo never passes silently.
 */
public record NodeConfig(
        String nodeId,
        String region,
        Path dataDir,
        Path keyFile,
        String listenHost,
        int clientPort,
        List<Peer> peers,
        Raft raft,
        Integer purgeIntervalSeconds,
        List<Link> links,
        Long maxJournalLag,
        Integer metricsPort,
        Tls tls,
        Path rootTokenFile,
        Audit audit,
        RateLimit rateLimit,
        Rotation rotation,
        Aws aws) {

    public static final String DEFAULT_LISTEN_HOST = "127.0.0.1";
    public static final int DEFAULT_PURGE_INTERVAL_SECONDS = 60;

    /** A member of the region, as the config file lists it. */
    public record Peer(String id, String raftAddress, String clientAddress) {
        public RegionMember member() {
            return new RegionMember(id, raftAddress, clientAddress);
        }
    }

    /** A region link: the replica region's name and its nodes' client addresses. */
    public record Link(String region, List<String> addresses) {}

    /** Optional Raft tuning; absent keys keep {@link RaftSettings#defaults()}. */
    public record Raft(Long electionTimeoutMinMs, Long electionTimeoutMaxMs, Long requestTimeoutMs,
                       Long snapshotThreshold, Long segmentSizeBytes, Integer purgeGap, Long snapshotLogBytes) {}

    /**
     * The node's certificates, all issued by the deployment CA ({@code kinko pki}). The node
     * certificate serves the client port and the Raft port (mutual TLS) and identifies the node
     * to its region's other nodes; the region certificate identifies the region to the replica
     * regions it ships to. {@code client_auth}: none, optional (default) or require.
     */
    public record Tls(Path caFile, Path certFile, Path keyFile, Path regionCertFile, Path regionKeyFile,
                      String clientAuth) {
        /**
         * {@code none} is not offered: the region's own nodes present their certificates on this port
         * when they forward a caller, and without them nothing could be forwarded.
         */
        public static final List<String> CLIENT_AUTH = List.of("optional", "require");

        public String clientAuthOrDefault() {
            return clientAuth == null ? "optional" : clientAuth;
        }
    }

    /** The audit log: its directory (default {@code audit/} in the data dir) and the size files rotate at. */
    public record Audit(Path dir, Long maxFileBytes) {}

    public static final long DEFAULT_AUDIT_FILE_BYTES = 64L << 20;

    /** Requests per second each identity may send (a token bucket of {@code burst}). */
    public record RateLimit(Double requestsPerSecond, Integer burst) {}

    /**
     * The AWS Secrets Manager-compatible endpoint: served on {@code port} when set (0: any free
     * port); {@code account_id} is the 12-digit account its ARNs name.
     */
    public record Aws(Integer port, String accountId) {
        public static final String DEFAULT_ACCOUNT_ID = "000000000000";

        public String account() {
            return accountId == null ? DEFAULT_ACCOUNT_ID : accountId;
        }
    }

    /** Rotation tuning; absent keys keep {@link RotationSettings#defaults()}. */
    public record Rotation(Integer maxAttempts, Long retryBackoffMs, Long checkIntervalMs, Long externalStepTimeoutMs) {}

    public static final double DEFAULT_RATE_PER_SECOND = 10_000;
    public static final int DEFAULT_RATE_BURST = 20_000;

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    public static NodeConfig load(Path file) throws IOException {
        NodeConfig config;
        try {
            config = YAML.readValue(Files.readString(file), NodeConfig.class);
        } catch (JsonMappingException e) {
            throw new IOException("config " + file + ": " + e.getOriginalMessage(), e);
        }
        return config.validated(file.toString());
    }

    public void write(Path file) throws IOException {
        YAML.writeValue(file.toFile(), this);
    }

    NodeConfig validated(String source) {
        require(nodeId != null && !nodeId.isBlank(), source, "node_id is required");
        require(region != null && region.matches("[a-z0-9-]{1,63}"), source,
                "region is required: 1-63 lowercase letters, digits or '-'");
        require(dataDir != null, source, "data_dir is required");
        require(keyFile != null, source, "key_file is required");
        require(peers != null && !peers.isEmpty(), source, "peers must list the region's nodes");
        require(peers.stream().anyMatch(p -> nodeId.equals(p.id())), source,
                "peers must include this node (" + nodeId + ")");
        for (Peer p : peers) {
            require(p.id() != null && p.raftAddress() != null && p.clientAddress() != null, source,
                    "each peer needs id, raft_address and client_address");
        }
        require(tls != null && tls.caFile() != null && tls.certFile() != null && tls.keyFile() != null
                && tls.regionCertFile() != null && tls.regionKeyFile() != null, source,
                "tls is required: ca_file, cert_file, key_file, region_cert_file and region_key_file"
                        + " (make them with 'kinko pki')");
        require(Tls.CLIENT_AUTH.contains(tls.clientAuthOrDefault()), source,
                "tls.client_auth must be optional or require (none would keep the region's nodes from forwarding calls)");
        require(rootTokenFile != null, source, "root_token_file is required: the region's first leader"
                + " writes the root token there (mode 0600)");
        require(audit == null || audit.maxFileBytes() == null || audit.maxFileBytes() > 0, source,
                "audit.max_file_bytes must be positive");
        require(rateLimit == null || (rateLimit.requestsPerSecond() == null || rateLimit.requestsPerSecond() > 0)
                && (rateLimit.burst() == null || rateLimit.burst() > 0), source,
                "rate_limit.requests_per_second and rate_limit.burst must be positive");
        require(raft == null || raft.snapshotLogBytes() == null
                        || raft.snapshotLogBytes() >= dev.kinko.server.consensus.RaftSettings.MIN_SNAPSHOT_LOG_BYTES, source,
                "raft.snapshot_log_bytes must be at least " + dev.kinko.server.consensus.RaftSettings.MIN_SNAPSHOT_LOG_BYTES
                        + " (a snapshot per few entries would cost more than the log it frees)");
        require(aws == null || aws.account().matches("[0-9]{12}"), source, "aws.account_id must be 12 digits");
        require(aws == null || aws.port() == null || aws.port() >= 0 && aws.port() <= 65_535, source,
                "aws.port must be 0-65535");
        try {
            rotationSettings();
        } catch (IllegalArgumentException e) {
            require(false, source, e.getMessage());
        }
        for (Link l : links()) {
            require(l.region() != null && !l.region().equals(region) && l.addresses() != null
                    && !l.addresses().isEmpty(), source, "each link needs a region other than this one and addresses");
        }
        return this;
    }

    private static void require(boolean ok, String source, String rule) {
        if (!ok) {
            throw new IllegalArgumentException("config " + source + ": " + rule);
        }
    }

    public String host() {
        return listenHost == null ? DEFAULT_LISTEN_HOST : listenHost;
    }

    public List<RegionMember> members() {
        return peers.stream().map(Peer::member).toList();
    }

    public List<Link> links() {
        return links == null ? List.of() : links;
    }

    public ShippingSettings shippingSettings() {
        ShippingSettings d = ShippingSettings.defaults();
        return maxJournalLag == null ? d : d.withMaxJournalLag(maxJournalLag);
    }

    public RotationSettings rotationSettings() {
        RotationSettings d = RotationSettings.defaults();
        if (rotation == null) {
            return d;
        }
        return new RotationSettings(rotation.maxAttempts() == null ? d.maxAttempts() : rotation.maxAttempts(),
                rotation.retryBackoffMs() == null ? d.retryBackoff() : Duration.ofMillis(rotation.retryBackoffMs()),
                rotation.checkIntervalMs() == null ? d.checkInterval() : Duration.ofMillis(rotation.checkIntervalMs()),
                rotation.externalStepTimeoutMs() == null ? d.externalStepTimeout()
                        : Duration.ofMillis(rotation.externalStepTimeoutMs()));
    }

    public Duration purgeInterval() {
        return Duration.ofSeconds(purgeIntervalSeconds == null ? DEFAULT_PURGE_INTERVAL_SECONDS : purgeIntervalSeconds);
    }

    public RaftSettings raftSettings() {
        RaftSettings d = RaftSettings.defaults();
        if (raft == null) {
            return d;
        }
        return new RaftSettings(
                raft.electionTimeoutMinMs() == null ? d.electionTimeoutMin() : Duration.ofMillis(raft.electionTimeoutMinMs()),
                raft.electionTimeoutMaxMs() == null ? d.electionTimeoutMax() : Duration.ofMillis(raft.electionTimeoutMaxMs()),
                raft.requestTimeoutMs() == null ? d.requestTimeout() : Duration.ofMillis(raft.requestTimeoutMs()),
                raft.snapshotThreshold() == null ? d.snapshotThreshold() : raft.snapshotThreshold(),
                raft.segmentSizeBytes() == null ? d.segmentSizeBytes() : raft.segmentSizeBytes(),
                raft.purgeGap() == null ? d.purgeGap() : raft.purgeGap(),
                raft.snapshotLogBytes() == null ? d.snapshotLogBytes() : raft.snapshotLogBytes());
    }

    /** Where this node appends its audit log: {@code audit.dir}, or {@code audit/} in the data dir. */
    public Path effectiveAuditDir() {
        return audit != null && audit.dir() != null ? audit.dir() : dataDir.resolve("audit");
    }

    public long auditFileBytes() {
        return audit == null || audit.maxFileBytes() == null ? DEFAULT_AUDIT_FILE_BYTES : audit.maxFileBytes();
    }

    public double ratePerSecond() {
        return rateLimit == null || rateLimit.requestsPerSecond() == null ? DEFAULT_RATE_PER_SECOND
                : rateLimit.requestsPerSecond();
    }

    public int rateBurst() {
        return rateLimit == null || rateLimit.burst() == null ? DEFAULT_RATE_BURST : rateLimit.burst();
    }

    /** The client port of this node, from its peer entry when client_port is absent. */
    public int effectiveClientPort() {
        if (clientPort != 0) {
            return clientPort;
        }
        String addr = peers.stream().filter(p -> nodeId.equals(p.id())).findFirst().orElseThrow().clientAddress();
        return Integer.parseInt(addr.substring(addr.lastIndexOf(':') + 1));
    }
}
