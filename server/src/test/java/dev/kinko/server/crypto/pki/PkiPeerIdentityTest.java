package dev.kinko.server.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.Test;

class PkiPeerIdentityTest {
    private static final KeyPair CA_KEYS = Certificates.newKeyPair();
    private static final X509Certificate CA = Certificates.selfSignedCa(CA_KEYS, new X500Name("CN=test CA"),
            Instant.now(), Instant.now().plus(Duration.ofDays(1)));

    /** A leaf with exactly these subject alternative names (none given: a DNS name only). */
    private static X509Certificate certWith(GeneralName... names) {
        KeyPair keys = Certificates.newKeyPair();
        GeneralNames altNames = new GeneralNames(names.length == 0
                ? new GeneralName[] {new GeneralName(GeneralName.dNSName, "localhost")} : names);
        return Certificates.leaf(CA, CA_KEYS.getPrivate(), new X500Name("CN=x"), keys.getPublic(), altNames,
                new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth}, Instant.now(), Instant.now().plus(Duration.ofDays(1)));
    }

    private static GeneralName uri(String uri) {
        return new GeneralName(GeneralName.uniformResourceIdentifier, uri);
    }

    @Test
    void readsEachKindFromItsUri() {
        PeerIdentity node = PeerIdentity.of(certWith(uri("kinko://node/tokyo/n1"))).orElseThrow();
        assertThat(node).isEqualTo(new PeerIdentity(PeerIdentity.Kind.NODE, "tokyo", "n1", "n1"));
        assertThat(node.principal()).isEqualTo("node:tokyo/n1");
        assertThat(node.uri()).isEqualTo("kinko://node/tokyo/n1");

        PeerIdentity region = PeerIdentity.of(certWith(uri("kinko://region/osaka-2"))).orElseThrow();
        assertThat(region).isEqualTo(new PeerIdentity(PeerIdentity.Kind.REGION, "osaka-2", null, "osaka-2"));
        assertThat(region.principal()).isEqualTo("region:osaka-2");
        assertThat(region.uri()).isEqualTo("kinko://region/osaka-2");

        PeerIdentity client = PeerIdentity.of(certWith(uri("kinko://client/billing.svc_1-a"))).orElseThrow();
        assertThat(client).isEqualTo(new PeerIdentity(PeerIdentity.Kind.CLIENT, null, null, "billing.svc_1-a"));
        assertThat(client.principal()).isEqualTo("client:billing.svc_1-a");
        assertThat(client.uri()).isEqualTo("kinko://client/billing.svc_1-a");
    }

    @Test
    void otherNamesBesideTheOneKinkoUriAreIgnored() {
        assertThat(PeerIdentity.of(certWith(new GeneralName(GeneralName.dNSName, "db.example"),
                uri("spiffe://example/db"), uri("kinko://client/db"))))
                .contains(PeerIdentity.client("db"));
    }

    @Test
    void aCertificateWithoutAKinkoUriHasNoIdentity() {
        assertThat(PeerIdentity.of(certWith())).isEmpty();
        assertThat(PeerIdentity.of(certWith(uri("https://example.com/node")))).isEmpty();
        assertThat(PeerIdentity.of(CA)).isEmpty();
    }

    @Test
    void twoKinkoUrisAreAmbiguousSoNeitherCounts() {
        assertThat(PeerIdentity.of(certWith(uri("kinko://client/a"), uri("kinko://client/b")))).isEmpty();
        assertThat(PeerIdentity.of(certWith(uri("kinko://client/a"), uri("KINKO://client/a")))).isEmpty();
    }

    @Test
    void malformedUrisHaveNoIdentity() {
        for (String junk : new String[] {"kinko://node/tokyo", "kinko://node/tokyo/n1/x", "kinko://node//n1",
                "kinko://node/Tokyo/n1", "kinko://node/tokyo/", "kinko://region/", "kinko://region/a/b",
                "kinko://region/tokyo_1", "kinko://client/", "kinko://client/a b", "kinko://client/a/b",
                "kinko://client/%2e", "kinko://user/alice", "kinko://", "KINKO://client/a", "kinko:/client/a"}) {
            assertThat(PeerIdentity.parse(junk)).as(junk).isEmpty();
            assertThat(PeerIdentity.of(certWith(uri(junk)))).as(junk).isEmpty();
        }
    }

    @Test
    void regionNamesUpToTheLimit() {
        String longest = "r".repeat(PeerIdentity.MAX_REGION_LENGTH);
        assertThat(PeerIdentity.parse("kinko://region/" + longest)).contains(PeerIdentity.region(longest));
        assertThat(PeerIdentity.parse("kinko://region/" + longest + "r")).isEmpty();
        assertThatThrownBy(() -> PeerIdentity.region(longest + "r")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nodeIdsAndClientNamesUpToTheLimit() {
        String longest = "n".repeat(PeerIdentity.MAX_NAME_LENGTH);
        assertThat(PeerIdentity.parse("kinko://node/tokyo/" + longest)).contains(PeerIdentity.node("tokyo", longest));
        assertThat(PeerIdentity.parse("kinko://node/tokyo/" + longest + "n")).isEmpty();
        assertThat(PeerIdentity.parse("kinko://client/" + longest)).contains(PeerIdentity.client(longest));
        assertThat(PeerIdentity.parse("kinko://client/" + longest + "n")).isEmpty();
        assertThatThrownBy(() -> PeerIdentity.client(longest + "n")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void inconsistentIdentitiesCannotBeBuilt() {
        assertThatThrownBy(() -> new PeerIdentity(PeerIdentity.Kind.NODE, "tokyo", "n1", "n2"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PeerIdentity(PeerIdentity.Kind.CLIENT, "tokyo", null, "a"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(PeerIdentity.parse(null)).isEmpty();
    }
}
