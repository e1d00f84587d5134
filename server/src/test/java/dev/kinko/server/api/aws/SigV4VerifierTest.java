package dev.kinko.server.api.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kinko.server.api.aws.SigV4Exception.Type;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/** SigV4Verifier against AWS's own signer (the SDK v2's AwsV4HttpSigner): what it signs passes, every tampering is refused with AWS's type. */
class SigV4VerifierTest {
    private static final String REGION = "tokyo";
    private static final String AKID = "KKIA0123456789ABCDEF";
    private static final String SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static final Instant NOW = Instant.parse("2026-03-14T12:00:00Z");
    private static final String BODY = "{\"SecretId\":\"orders/db\"}";

    private final SigV4Verifier verifier = new SigV4Verifier(REGION);

    /** A request as the SDK sends it, signed at {@code at} for {@code region} and {@code service}. */
    private static SigV4Request signed(Instant at, String region, String service, String body, String target) {
        SdkHttpRequest.Builder http = SdkHttpRequest.builder().method(SdkHttpMethod.POST)
                .uri(URI.create("https://kinko-1.test:8443/"))
                .putHeader("Content-Type", "application/x-amz-json-1.1");
        if (target != null) {
            http.putHeader("X-Amz-Target", target);
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        SdkHttpRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create(AKID, SECRET))
                .request(http.build())
                .payload(ContentStreamProvider.fromByteArray(bytes))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC))).request();
        Map<String, List<String>> headers = new LinkedHashMap<>(signed.headers());
        if (!headers.containsKey("Host") && !headers.containsKey("host")) {
            headers.put("Host", List.of("kinko-1.test:8443")); // what the HTTP client sends from the URI
        }
        return new SigV4Request("POST", signed.encodedPath(), signed.encodedQueryParameters().orElse(""), headers, bytes);
    }

    private static SigV4Request signed(Instant at) {
        return signed(at, REGION, "secretsmanager", BODY, "secretsmanager.GetSecretValue");
    }

    private static SigV4Request withHeader(SigV4Request r, String name, UnaryOperator<String> change) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        r.headers().forEach((n, v) -> headers.put(n, n.equalsIgnoreCase(name) ? List.of(change.apply(v.get(0))) : v));
        if (!r.headers().containsKey(name)) {
            headers.put(name, List.of(change.apply(null)));
        }
        return new SigV4Request(r.method(), r.path(), r.rawQuery(), headers, r.body());
    }

    private String verify(SigV4Request r, Instant now) {
        return new String(verifier.verify(r, now, id -> id.equals(AKID)
                ? Optional.of(SECRET.getBytes(StandardCharsets.US_ASCII)) : Optional.empty(), s -> s),
                StandardCharsets.US_ASCII);
    }

    private AbstractThrowableAssert<?, ?> refused(SigV4Request r, Instant now, Type type) {
        return assertThatThrownBy(() -> verify(r, now)).isInstanceOfSatisfying(SigV4Exception.class,
                e -> assertThat(e.type()).as(e.getMessage()).isEqualTo(type));
    }

    @Test
    void aRequestTheSdkSignedPasses() {
        SigV4Request r = signed(NOW);
        assertThat(r.header("authorization").get(0)).startsWith("AWS4-HMAC-SHA256 Credential=" + AKID + "/20260314/tokyo/"
                + "secretsmanager/aws4_request").contains("x-amz-target");
        assertThat(verify(r, NOW)).isEqualTo(SECRET);
        // header names in another case, and an empty body
        Map<String, List<String>> upper = new LinkedHashMap<>();
        r.headers().forEach((n, v) -> upper.put(n.toUpperCase(), v));
        assertThat(verify(new SigV4Request("POST", "/", "", upper, r.body()), NOW)).isEqualTo(SECRET);
        assertThat(verify(signed(NOW, REGION, "secretsmanager", "", "secretsmanager.ListSecrets"), NOW)).isEqualTo(SECRET);
    }

    @Test
    void aQueryAndAnOddPathAreCanonicalisedAsTheSdkDoes() {
        SdkHttpRequest http = SdkHttpRequest.builder().method(SdkHttpMethod.POST)
                .uri(URI.create("https://kinko-1.test:8443/a%20b/c~d"))
                .putRawQueryParameter("b", "2").putRawQueryParameter("a", List.of("x y", "1")).putRawQueryParameter("c", "")
                .putHeader("X-Amz-Target", "secretsmanager.ListSecrets").putHeader("X-Odd", "  two   spaces\tand tab ")
                .build();
        SdkHttpRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create(AKID, SECRET)).request(http)
                .payload(ContentStreamProvider.fromByteArray(new byte[0]))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "secretsmanager")
                .putProperty(AwsV4HttpSigner.REGION_NAME, REGION)
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(NOW, ZoneOffset.UTC))).request();
        Map<String, List<String>> headers = new LinkedHashMap<>(signed.headers());
        headers.putIfAbsent("Host", List.of("kinko-1.test:8443"));
        assertThat(headers.get("Authorization").get(0)).contains("x-odd");
        SigV4Request r = new SigV4Request("POST", signed.encodedPath(), signed.encodedQueryParameters().orElse(""),
                headers, new byte[0]);
        assertThat(verify(r, NOW)).isEqualTo(SECRET);
    }

    @Test
    void aTamperedBodyIsRefused() {
        SigV4Request r = signed(NOW);
        String other = "{\"SecretId\":\"other/db\"}";
        SigV4Request tampered = new SigV4Request(r.method(), r.path(), r.rawQuery(), r.headers(),
                other.getBytes(StandardCharsets.UTF_8));
        // the SDK signs x-amz-content-sha256: the body no longer has that hash
        refused(tampered, NOW, Type.INVALID_SIGNATURE).hasMessageContaining("x-amz-content-sha256");
        // with that header changed to the new body's hash too, the signature (over the hash computed here) fails
        String hash = java.util.HexFormat.of().formatHex(sha256(other));
        refused(withHeader(tampered, "X-Amz-Content-Sha256", v -> hash), NOW, Type.INVALID_SIGNATURE)
                .hasMessageContaining("does not match the signature you provided");
    }

    @Test
    void aClaimedBodyHashOtherThanTheBodysIsRefused() {
        SigV4Request r = signed(NOW);
        refused(withHeader(r, "X-Amz-Content-Sha256", v -> "UNSIGNED-PAYLOAD"), NOW, Type.INVALID_SIGNATURE)
                .hasMessageContaining("x-amz-content-sha256");
        String right = java.util.HexFormat.of().formatHex(sha256(BODY));
        // the right hash, even unsigned, changes nothing
        assertThat(verify(withHeader(r, "X-Amz-Content-Sha256", v -> right), NOW)).isEqualTo(SECRET);
    }

    @Test
    void aTamperedSignedHeaderIsRefused() {
        SigV4Request r = signed(NOW);
        refused(withHeader(r, "X-Amz-Target", v -> "secretsmanager.DeleteSecret"), NOW, Type.INVALID_SIGNATURE)
                .hasMessageContaining("does not match");
        refused(withHeader(r, "Host", v -> "kinko-2.test:8443"), NOW, Type.INVALID_SIGNATURE);
        refused(withHeader(r, "Content-Type", v -> "application/json"), NOW, Type.INVALID_SIGNATURE);
    }

    @Test
    void anUnsignedTargetIsRefused() {
        SigV4Request unsigned = withHeader(signed(NOW, REGION, "secretsmanager", BODY, null), "X-Amz-Target",
                v -> "secretsmanager.DeleteSecret");
        refused(unsigned, NOW, Type.INVALID_SIGNATURE).hasMessageContaining("'X-Amz-Target' must be a 'SignedHeader'");
    }

    @Test
    void anUnsignedHostIsRefused() {
        SigV4Request r = signed(NOW);
        refused(withHeader(r, "Authorization", a -> a.replace("host;", "")), NOW,
                Type.INVALID_SIGNATURE).hasMessageContaining("'Host' or ':authority' must be a 'SignedHeader'");
    }

    @Test
    void fifteenMinutesOfSkewPassEitherWayAndOneSecondMoreFails() {
        Duration skew = SigV4Verifier.MAX_CLOCK_SKEW;
        assertThat(verify(signed(NOW.minus(skew)), NOW)).isEqualTo(SECRET);
        assertThat(verify(signed(NOW.plus(skew)), NOW)).isEqualTo(SECRET);
        refused(signed(NOW.minus(skew).minusSeconds(1)), NOW, Type.INVALID_SIGNATURE)
                .hasMessageStartingWith("Signature expired: 20260314T114459Z is now earlier than 20260314T114500Z");
        refused(signed(NOW.plus(skew).plusSeconds(1)), NOW, Type.INVALID_SIGNATURE)
                .hasMessageStartingWith("Signature not yet current: 20260314T121501Z is still later than");
    }

    @Test
    void aScopeDateOtherThanXAmzDatesIsRefused() {
        // signed just before midnight, its X-Amz-Date moved past it: the scope still names the day before
        Instant late = Instant.parse("2026-03-14T23:59:30Z");
        SigV4Request r = withHeader(signed(late), "X-Amz-Date", v -> "20260315T000010Z");
        refused(r, Instant.parse("2026-03-15T00:00:00Z"), Type.INVALID_SIGNATURE)
                .hasMessageContaining("Date in Credential scope does not match").hasMessageContaining("'20260314' != '20260315'");
    }

    @Test
    void anotherRegionOrServiceIsRefused() {
        refused(signed(NOW, "osaka", "secretsmanager", BODY, "secretsmanager.GetSecretValue"), NOW, Type.INVALID_SIGNATURE)
                .hasMessageContaining("scoped to a valid region, not 'osaka'");
        refused(signed(NOW, REGION, "kms", BODY, "secretsmanager.GetSecretValue"), NOW, Type.INVALID_SIGNATURE)
                .hasMessageContaining("scoped to correct service: 'secretsmanager'");
    }

    @Test
    void anUnknownKeyIsRefusedAfterAllElseWasChecked() {
        SigV4Request r = withHeader(signed(NOW), "Authorization", a -> a.replace(AKID, "KKIAZZZZZZZZZZZZZZZZ"));
        refused(r, NOW, Type.UNRECOGNIZED_CLIENT).hasMessage("The security token included in the request is invalid.");
        List<String> looked = new ArrayList<>();
        assertThatThrownBy(() -> verifier.verify(signed(NOW.minus(Duration.ofHours(1))), NOW,
                id -> { looked.add(id); return Optional.<byte[]>empty(); }, s -> s)).isInstanceOf(SigV4Exception.class);
        assertThat(looked).as("an expired request costs no lookup").isEmpty();
        refused(withHeader(signed(NOW), "X-Amz-Security-Token", v -> "session"), NOW, Type.UNRECOGNIZED_CLIENT);
    }

    @Test
    void aWrongSecretIsRefusedAndTheKeyClosed() {
        boolean[] closed = {false};
        record Key(byte[] secret, boolean[] closed) implements AutoCloseable {
            @Override
            public void close() {
                closed[0] = true;
            }
        }
        assertThatThrownBy(() -> verifier.verify(signed(NOW), NOW,
                id -> Optional.of(new Key("not-the-secret".getBytes(StandardCharsets.US_ASCII), closed)), Key::secret))
                .isInstanceOfSatisfying(SigV4Exception.class, e -> assertThat(e.type()).isEqualTo(Type.INVALID_SIGNATURE));
        assertThat(closed[0]).isTrue();
    }

    @Test
    void aMissingOrGarbledAuthorizationIsIncomplete() {
        SigV4Request r = signed(NOW);
        String good = r.header("authorization").get(0);
        Map<String, List<String>> none = new LinkedHashMap<>(r.headers());
        none.remove("Authorization");
        refused(new SigV4Request("POST", "/", "", none, r.body()), NOW, Type.INCOMPLETE_SIGNATURE);
        for (String garbled : List.of("", "Bearer kinko.x.y", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 Credential=" + AKID,
                good.replaceAll(", Signature=[0-9a-f]+", ""), good.replaceAll("Signature=[0-9a-f]+", "Signature=xyz"),
                good.replace("Credential=" + AKID + "/", "Credential=" + AKID + "/x/"),
                good.replace("/aws4_request", ""), good.replace("SignedHeaders=", "SignedHeaders=Host;"),
                good + ", Extra=1", good.replace(", SignedHeaders", ",, SignedHeaders"),
                good.replace("Credential", "Credential=x, Credential"), "AWS4-HMAC-SHA256 " + "x".repeat(5000))) {
            refused(withHeader(r, "Authorization", a -> garbled), NOW, Type.INCOMPLETE_SIGNATURE);
        }
        refused(withHeader(r, "X-Amz-Date", d -> "2026-03-14T12:00:00Z"), NOW, Type.INCOMPLETE_SIGNATURE)
                .hasMessageContaining("ISO-8601 basic format");
        Map<String, List<String>> twice = new LinkedHashMap<>(r.headers());
        twice.put("Authorization", List.of(good, good));
        refused(new SigV4Request("POST", "/", "", twice, r.body()), NOW, Type.INCOMPLETE_SIGNATURE);
    }

    @Test
    void typesCarryAwssNamesAndStatuses() {
        assertThat(Type.INCOMPLETE_SIGNATURE.awsType()).isEqualTo("IncompleteSignatureException");
        assertThat(Type.INVALID_SIGNATURE.awsType()).isEqualTo("InvalidSignatureException");
        assertThat(Type.UNRECOGNIZED_CLIENT.awsType()).isEqualTo("UnrecognizedClientException");
        assertThat(List.of(Type.values())).allSatisfy(t -> assertThat(t.httpStatus()).isEqualTo(400));
    }

    @Test
    void canonicalPiecesFollowAwssRules() {
        assertThat(SigV4Verifier.canonicalUri("/")).isEqualTo("/");
        assertThat(SigV4Verifier.canonicalUri("/a/./b/../c%20d")).isEqualTo("/a/c%2520d");
        assertThat(SigV4Verifier.canonicalQuery("b=2&a=x%20y&a=1&c")).isEqualTo("a=1&a=x%20y&b=2&c=");
        assertThat(SigV4Verifier.compact("  a   b\t c ")).isEqualTo("a b c");
        assertThatThrownBy(() -> SigV4Verifier.canonicalQuery("a=%zz")).isInstanceOf(SigV4Exception.class);
    }

    private static byte[] sha256(String s) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
