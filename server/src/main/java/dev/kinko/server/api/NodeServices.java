package dev.kinko.server.api;

import dev.kinko.server.backup.Backups;
import dev.kinko.server.consensus.RaftNode;
import dev.kinko.server.crypto.Keyring;
import dev.kinko.server.crypto.pki.NodeTls;
import dev.kinko.server.domain.StateQueries;
import dev.kinko.server.api.security.AccessControl;
import dev.kinko.server.api.security.SecurityInterceptor;
import dev.kinko.server.frontend.AccessWriter;
import dev.kinko.server.frontend.ReplicationWriter;
import dev.kinko.server.frontend.SecretReader;
import dev.kinko.server.frontend.SecretWriter;
import dev.kinko.server.replication.ReplicaReceiver;
import dev.kinko.server.replication.ShippingSupervisor;
import dev.kinko.server.rotation.ExternalRotators;
import dev.kinko.server.rotation.RotationControl;
import dev.kinko.server.rotation.RotationRunner;
import io.micrometer.core.instrument.MeterRegistry;

/** What the gRPC services of one node work with. */
public record NodeServices(
        RaftNode raft,
        StateQueries state,
        SecretReader reader,
        SecretWriter writer,
        ReplicationWriter replication,
        ReplicaReceiver receiver,
        Keyring keyring,
        ShippingSupervisor shipping,
        MeterRegistry metrics,
        NodeTls tls,
        AccessWriter access,
        AccessControl accessControl,
        SecurityInterceptor security,
        Backups backups,
        RotationControl rotation,
        RotationRunner rotationRunner,
        ExternalRotators externalRotators) {}
