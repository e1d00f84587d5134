package dev.kinko.server.api.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kinko.server.domain.Reason;
import dev.kinko.server.rpc.Statuses;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every Kinko reason has an AWS error type, and only what is transient or internal answers 500. */
class AwsErrorsTest {
    /** Reasons that mean "try again" or a fault of the server: InternalServiceError, which the SDKs retry. */
    private static final Set<Reason.Kind> SERVER_SIDE = EnumSet.of(Reason.Kind.UNAVAILABLE, Reason.Kind.ABORTED,
            Reason.Kind.DEADLINE_EXCEEDED, Reason.Kind.INTERNAL);

    @Test
    void everyReasonHasItsTypeAndStatus() {
        for (Reason r : Reason.values()) {
            AwsError e = AwsErrors.of(Statuses.of(r, "because"));
            boolean serverSide = SERVER_SIDE.contains(r.kind()) && r != Reason.OVERLOADED;
            if (serverSide) {
                assertThat(e.type()).as(r.name()).isEqualTo(AwsErrors.INTERNAL);
                assertThat(e.status()).as(r.name()).isEqualTo(500);
            } else {
                assertThat(AwsErrors.table()).as("a row for %s", r).containsKey(r);
                assertThat(e.status()).as(r.name()).isEqualTo(400);
            }
            assertThat(e.getMessage()).isEqualTo("because");
        }
    }

    @Test
    void theTypesAreAwsOwn() {
        assertThat(AwsErrors.typeOf(Reason.SECRET_NOT_FOUND)).isEqualTo("ResourceNotFoundException");
        assertThat(AwsErrors.typeOf(Reason.IDEMPOTENCY_CONFLICT)).isEqualTo("ResourceExistsException");
        assertThat(AwsErrors.typeOf(Reason.INVALID_PAGE_TOKEN)).isEqualTo("InvalidNextTokenException");
        assertThat(AwsErrors.typeOf(Reason.SCHEDULED_FOR_DELETION)).isEqualTo("InvalidRequestException");
        assertThat(AwsErrors.typeOf(Reason.ACCESS_DENIED)).isEqualTo("AccessDeniedException");
        assertThat(AwsErrors.typeOf(Reason.MALFORMED_POLICY)).isEqualTo("MalformedPolicyDocumentException");
        assertThat(AwsErrors.typeOf(Reason.REGION_KEY_UNAVAILABLE)).isEqualTo("DecryptionFailure");
        assertThat(AwsErrors.typeOf(Reason.NO_LEADER)).isEqualTo("InternalServiceError");
    }
}
