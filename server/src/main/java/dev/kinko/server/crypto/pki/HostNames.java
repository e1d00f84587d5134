package dev.kinko.server.crypto.pki;

import java.util.regex.Pattern;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.util.IPAddress;

/** A host a node is reached at, as the subject alternative name a TLS client checks: an IP address or a DNS name. */
final class HostNames {
    static final int MAX_DNS_NAME_LENGTH = 253;
    private static final String LABEL = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
    /** Letters, digits and '-' in dot-separated labels of at most 63; no wildcards (one node, one name). */
    static final Pattern DNS_NAME = Pattern.compile(LABEL + "(\\." + LABEL + ")*");

    private HostNames() {}

    static GeneralName altName(String host) {
        // an IPv6 literal is often written as in a URL
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (IPAddress.isValidIPv4(h) || IPAddress.isValidIPv6(h)) {
            return new GeneralName(GeneralName.iPAddress, h);
        }
        if (h.length() <= MAX_DNS_NAME_LENGTH && DNS_NAME.matcher(h).matches()) {
            return new GeneralName(GeneralName.dNSName, h);
        }
        throw new IllegalArgumentException("host '" + host + "' is neither an IP address nor a DNS name (at most "
                + MAX_DNS_NAME_LENGTH + " characters of letters, digits, '-' and '.')");
    }
}
