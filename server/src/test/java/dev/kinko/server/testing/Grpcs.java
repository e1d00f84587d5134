package dev.kinko.server.testing;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kinko.server.api.ErrorMapper;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Assertions on gRPC errors: the status code and the ErrorInfo reason. */
public final class Grpcs {
    private Grpcs() {}

    public static void assertRefused(ThrowingCallable call, Status.Code code, String reason) {
        assertThatThrownBy(call)
                .isInstanceOf(StatusRuntimeException.class)
                .satisfies(e -> {
                    org.assertj.core.api.Assertions.assertThat(((StatusRuntimeException) e).getStatus().getCode())
                            .as("status code of %s", e.getMessage()).isEqualTo(code);
                    org.assertj.core.api.Assertions.assertThat(ErrorMapper.reasonOf(e))
                            .as("reason of %s", e.getMessage()).isEqualTo(reason);
                });
    }
}
