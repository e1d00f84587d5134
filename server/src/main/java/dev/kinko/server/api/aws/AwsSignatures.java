package dev.kinko.server.api.aws;

import dev.kinko.server.api.security.Authenticator;
import dev.kinko.server.api.security.Caller;
import dev.kinko.server.crypto.CryptoException;
import java.time.Clock;

/** SigV4 with Kinko's access keys: the verified key's caller, or AWS's refusal. */
public final class AwsSignatures implements AwsEndpoint.Signatures {
    private final SigV4Verifier verifier;
    private final Authenticator authenticator;
    private final Clock clock;

    public AwsSignatures(String region, Authenticator authenticator, Clock clock) {
        this.verifier = new SigV4Verifier(region);
        this.authenticator = authenticator;
        this.clock = clock;
    }

    @Override
    public Caller verify(SigV4Request request, String source) {
        try (Authenticator.AccessKey key = verifier.verify(request, clock.instant(),
                id -> authenticator.accessKey(id, source), Authenticator.AccessKey::secret)) {
            return key.caller();
        } catch (SigV4Exception e) {
            throw new AwsError(e.awsType(), e.httpStatus(), e.getMessage());
        } catch (CryptoException e) {
            throw new AwsError(AwsErrors.INTERNAL, AwsError.INTERNAL, "the access key could not be opened on this node");
        }
    }
}
