package dev.kinko.server.crypto.pki;

import java.nio.file.Path;

/** What an issue call wrote: the certificate chain file (leaf, then CA), its private key file (0600) and whom it names. */
public record IssuedCertificate(Path certificate, Path privateKey, PeerIdentity identity) {}
