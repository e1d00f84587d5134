package dev.kinko.client;

import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How the client proves who it is and whom it trusts: TLS always (the deployment CA, or the
 * system's roots when none is given), a bearer token, a client certificate, or both.
 */
final class Credentials {
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private Credentials() {}

    /** TLS trusting {@code caCert} (or the system's roots when null), presenting a certificate when given. */
    static ChannelCredentials tls(Path caCert, Path clientCert, Path clientKey) {
        try {
            TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
            if (caCert != null) {
                b.trustManager(readable(caCert).toFile());
            }
            if (clientCert != null) {
                b.keyManager(readable(clientCert).toFile(), readable(clientKey).toFile());
            }
            return b.build();
        } catch (IOException e) {
            throw new UncheckedIOException("TLS files: " + e.getMessage(), e);
        }
    }

    private static Path readable(Path file) {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("cannot read " + file);
        }
        return file;
    }

    /** Sends {@code authorization: Bearer <token>} on every call. */
    static ClientInterceptor bearer(String token) {
        if (token.isBlank() || token.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            throw new IllegalArgumentException("a token is printable ASCII without spaces");
        }
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + token);
        return MetadataUtils.newAttachHeadersInterceptor(headers);
    }
}
