package dev.kinko.server.testing;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import dev.kinko.server.rpc.Statuses;

/** Assertions on gRPC errors: the status code and the ErrorInfo reason. */
public final class Grpcs {
    private Grpcs() {}

    public static void assertRefused(ThrowingCallable call, Status.Code code, String reason) {
        assertThatThrownBy(call)
                .isInstanceOf(StatusRuntimeException.class)
                .satisfies(e -> {
                    org.assertj.core.api.Assertions.assertThat(((StatusRuntimeException) e).getStatus().getCode())
                            .as("status code of %s", e.getMessage()).isEqualTo(code);
                    org.assertj.core.api.Assertions.assertThat(Statuses.reasonOf(e))
                            .as("reason of %s", e.getMessage()).isEqualTo(reason);
                });
    }

    /** Raw message bytes, for calls made by hand (malformed requests, another service's methods). */
    public static final io.grpc.MethodDescriptor.Marshaller<byte[]> BYTES = new io.grpc.MethodDescriptor.Marshaller<>() {
        @Override
        public java.io.InputStream stream(byte[] value) {
            return new java.io.ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(java.io.InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    };
}
