package dev.kinko.server.crypto.pki;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Who a certificate speaks for, read from its one {@code kinko://} URI subject
 * alternative name: a node of a region, a region (its link to other regions) or
 * a client principal. The URI, not the CN, is the identity: names are checked
 * strictly so that a principal string can never be mistaken for another.
 */
public record PeerIdentity(Kind kind, String region, String nodeId, String name) {
    public enum Kind { NODE, REGION, CLIENT }

    public static final String SCHEME_PREFIX = "kinko://";
    public static final int MAX_REGION_LENGTH = 63;
    public static final int MAX_NAME_LENGTH = 128;
    /** Region names: lower case, digits and '-' (they appear in hosts, paths and metrics). */
    public static final Pattern REGION_NAME = Pattern.compile("[a-z0-9-]{1," + MAX_REGION_LENGTH + "}");
    /** Node ids and client names. */
    public static final Pattern PEER_NAME = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_NAME_LENGTH + "}");

    /** The SAN type of a URI in {@link X509Certificate#getSubjectAlternativeNames()}. */
    private static final int SAN_URI = 6;

    public PeerIdentity {
        Objects.requireNonNull(kind, "kind");
        switch (kind) {
            case NODE -> {
                requireRegion(region);
                requireName(nodeId, "node id");
                if (!nodeId.equals(name)) {
                    throw new IllegalArgumentException("a node's name is its node id");
                }
            }
            case REGION -> {
                requireRegion(region);
                if (nodeId != null || !region.equals(name)) {
                    throw new IllegalArgumentException("a region identity has no node id and is named by its region");
                }
            }
            case CLIENT -> {
                requireName(name, "client name");
                if (region != null || nodeId != null) {
                    throw new IllegalArgumentException("a client identity has no region or node id");
                }
            }
        }
    }

    public static PeerIdentity node(String region, String nodeId) {
        return new PeerIdentity(Kind.NODE, region, nodeId, nodeId);
    }

    public static PeerIdentity region(String region) {
        return new PeerIdentity(Kind.REGION, region, null, region);
    }

    public static PeerIdentity client(String name) {
        return new PeerIdentity(Kind.CLIENT, null, null, name);
    }

    /** The identity in a certificate; empty when it has no kinko URI, a malformed one, or more than one. */
    public static Optional<PeerIdentity> of(X509Certificate cert) {
        Collection<List<?>> sans;
        try {
            sans = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return Optional.empty();
        }
        if (sans == null) {
            return Optional.empty();
        }
        List<String> uris = new ArrayList<>();
        for (List<?> san : sans) {
            if (san.size() == 2 && Integer.valueOf(SAN_URI).equals(san.get(0)) && san.get(1) instanceof String uri
                    && uri.toLowerCase(Locale.ROOT).startsWith(SCHEME_PREFIX)) {
                uris.add(uri);
            }
        }
        // two identities in one certificate would make authorization ambiguous: trust neither
        return uris.size() == 1 ? parse(uris.get(0)) : Optional.empty();
    }

    /** Parses {@code kinko://node/<region>/<nodeId>}, {@code kinko://region/<region>} or {@code kinko://client/<name>}. */
    public static Optional<PeerIdentity> parse(String uri) {
        if (uri == null || !uri.startsWith(SCHEME_PREFIX)) {
            return Optional.empty();
        }
        String[] parts = uri.substring(SCHEME_PREFIX.length()).split("/", -1);
        try {
            return switch (parts[0]) {
                case "node" -> parts.length == 3 ? Optional.of(node(parts[1], parts[2])) : Optional.empty();
                case "region" -> parts.length == 2 ? Optional.of(region(parts[1])) : Optional.empty();
                case "client" -> parts.length == 2 ? Optional.of(client(parts[1])) : Optional.empty();
                default -> Optional.empty();
            };
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The inverse of {@link #principal()}: a forwarded caller named by its principal. */
    public static Optional<PeerIdentity> parsePrincipal(String principal) {
        int colon = principal == null ? -1 : principal.indexOf(':');
        if (colon < 0) {
            return Optional.empty();
        }
        String rest = principal.substring(colon + 1);
        return switch (principal.substring(0, colon)) {
            case "node" -> parse(SCHEME_PREFIX + "node/" + rest);
            case "region" -> parse(SCHEME_PREFIX + "region/" + rest);
            case "client" -> parse(SCHEME_PREFIX + "client/" + rest);
            default -> Optional.empty();
        };
    }

    public String uri() {
        return switch (kind) {
            case NODE -> SCHEME_PREFIX + "node/" + region + "/" + nodeId;
            case REGION -> SCHEME_PREFIX + "region/" + region;
            case CLIENT -> SCHEME_PREFIX + "client/" + name;
        };
    }

    /** The name policies and audit records use: {@code node:<region>/<nodeId>}, {@code region:<region>}, {@code client:<name>}. */
    public String principal() {
        return switch (kind) {
            case NODE -> "node:" + region + "/" + nodeId;
            case REGION -> "region:" + region;
            case CLIENT -> "client:" + name;
        };
    }

    private static void requireRegion(String region) {
        if (region == null || !REGION_NAME.matcher(region).matches()) {
            throw new IllegalArgumentException("a region name is 1 to " + MAX_REGION_LENGTH
                    + " of a-z, 0-9 and '-'");
        }
    }

    private static void requireName(String name, String what) {
        if (name == null || !PEER_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a " + what + " is 1 to " + MAX_NAME_LENGTH
                    + " of A-Z, a-z, 0-9, '.', '_' and '-'");
        }
    }
}
